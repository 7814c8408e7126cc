from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from relq import access, charts
from relq.access import allow, require
from relq.cases.models import SEVERITIES
from relq.db import transaction, utcnow
from relq.deadlines.attainment import ATTAINMENT_TARGET, attainment
from relq.deadlines.calendar import WORKDAY_MINUTES
from relq.deadlines.forms import DURATIONS, AttainmentFilterForm, PolicyForm
from relq.deadlines.models import DEADLINE_KINDS
from relq.deadlines.services import (
    PolicyError,
    clock_status,
    deadlines_of,
    policies,
    update_policy,
)
from relq.i18n import translated
from relq.org.services import department_choices

bp = Blueprint("deadlines", __name__)

POLICY_MESSAGES = {
    "not_allowed": (None, lambda: _("You may not do this.")),
    "unknown_severity": (None, lambda: _("There is no such severity.")),
    "not_positive": (None, lambda: _("Every deadline must be longer than zero.")),
    "warn_too_long": (
        "warn",
        lambda: _("The warning must be shorter than the acknowledgement and first response."),
    ),
    "resolution_too_short": (
        "resolution",
        lambda: _(
            "The resolution deadline cannot be shorter than the acknowledgement "
            "or the first response."
        ),
    ),
}


@bp.app_template_filter("business_duration")
def business_duration(minutes: int) -> str:
    """Business time in words, in working days (9 hours) and hours: "2営業日3時間", "45分"."""
    days, rest = divmod(max(int(minutes), 0), WORKDAY_MINUTES)
    hours, mins = divmod(rest, 60)
    if days and hours:
        return _("%(days)d business days %(hours)d h", days=days, hours=hours)
    if days:
        return _("%(days)d business days", days=days)
    if hours and mins:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=mins)
    if hours:
        return _("%(hours)d h", hours=hours)
    return _("%(minutes)d min", minutes=mins)


def attainment_chart(d, weeks, target: float) -> charts.Chart:
    """A department's share met on time per week: bars at or above the target in one colour,
    below it in another (named in the legend, so colour is not the only sign)."""
    rates = [d.week_total(i).rate for i in range(len(weeks))]
    met = [None if r is None or r < target else round(r * 100) for r in rates]
    short = [None if r is None or r >= target else round(r * 100) for r in rates]
    return charts.bar(
        [f"{w.label[5:]}\n{w.monday.strftime('%m/%d')}" for w in weeks],
        {_("At or above the target"): met, _("Below the target"): short},
        title=_(
            "%(department)s: share met on time per week",
            department=d.department.name_for(str(get_locale())),
        ),
        stacked=True,
        value_format="{:.0f}%",
        value_range=(0, 105),
        reference=round(target * 100),
        reference_label=_("Target"),
        colors={
            _("At or above the target"): charts.OKABE_ITO[0],
            _("Below the target"): charts.OKABE_ITO[3],
        },
    )


@bp.get("/deadlines/")
@allow("lead", "executive", "admin")
def index():
    form = AttainmentFilterForm(request.args)
    is_lead = current_user.role == "lead"
    form.department.choices = [(0, _("All departments"))] + department_choices(str(get_locale()))
    department_id = form.department.data if form.validate() and not is_lead else None
    report = attainment(current_user, department_id=department_id or None)
    return render_template(
        "deadlines/index.html",
        form=form,
        show_filter=not is_lead,
        report=report,
        charts={
            d.department.id: attainment_chart(d, report.weeks, ATTAINMENT_TARGET)
            for d in report.departments
        },
        target=ATTAINMENT_TARGET,
        KINDS=translated(DEADLINE_KINDS),
    )


@bp.get("/admin/deadlines", endpoint="policies")
@allow("admin")
def policy_list():
    require(access.can_manage_deadline_policies(current_user))
    return render_template(
        "deadlines/policies.html",
        policies=policies(),
        KINDS=translated(DEADLINE_KINDS),
    )


@bp.route("/admin/deadlines/<int:severity>", methods=["GET", "POST"])
@allow("admin")
def edit_policy(severity: int):
    require(access.can_manage_deadline_policies(current_user))
    if severity not in SEVERITIES:
        abort(404)
    form = PolicyForm()
    if request.method == "GET":
        form.fill(policies()[severity])
    elif form.validate_on_submit():
        try:
            with transaction():
                update_policy(severity, form.minutes(), actor=current_user)
        except PolicyError as error:
            name, message = POLICY_MESSAGES[error.code]
            if name is None:
                flash(message(), "error")
            else:
                form.pair(name)[0].errors.append(message())
        else:
            flash(
                _(
                    "The deadlines of severity %(severity)s were saved. They apply to clocks "
                    "started from now on.",
                    severity=SEVERITIES[severity],
                ),
                "success",
            )
            return redirect(url_for("deadlines.policies"))
    return render_template(
        "deadlines/policy_form.html",
        form=form,
        severity=severity,
        DURATIONS=DURATIONS,
        workday_hours=WORKDAY_MINUTES // 60,
    )


def _case_panel(case, user):
    clocks = deadlines_of([case.id])[case.id]
    if not clocks:
        return None
    now = utcnow()
    return {
        "clocks": [(clock, clock_status(clock, now)) for clock in clocks],
        "kinds": translated(DEADLINE_KINDS),
    }
