"""Customer-harassment pages: the case-page panel (flag, or the record's summary, or a neutral
notice), the record with its follow-ups, and management's counts."""

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from relq import access, charts
from relq.access import allow, get_case_or_404, require
from relq.cases.forms import to_utc
from relq.cases.models import Case
from relq.db import db, transaction, utcnow
from relq.harassment.forms import FlagForm, FollowUpForm, ReportForm
from relq.harassment.models import (
    ACTIONS,
    ASSESSMENTS,
    BEHAVIOURS,
    FIELD_LABELS,
    HarassmentReport,
)
from relq.harassment.services import (
    EDITABLE_FIELDS,
    UNDESCRIBED,
    AlreadyFlagged,
    InvalidChoice,
    MissingInput,
    ReportConflict,
    add_follow_up,
    flag_case,
    follow_ups,
    harassment_counts,
    last_months,
    report_for_case,
    report_list,
    staff_choices,
    update_report,
)
from relq.i18n import translated

bp = Blueprint("harassment", __name__, url_prefix="/harassment")

MANAGEMENT = ("lead", "executive", "admin")
PER_PAGE = 50
MONTHS = 6
# One colour per behaviour, the same in the chart and the table's swatches: Okabe-Ito (safe
# for colour-blind readers), then three of Paul Tol's for the rest.
PALETTE = (*charts.OKABE_ITO, "#882255", "#44AA99", "#999999")


@bp.app_context_processor
def harassment_vocabulary():
    return {
        "HARASSMENT_BEHAVIOURS": translated(BEHAVIOURS),
        "HARASSMENT_ACTIONS": translated(ACTIONS),
        "HARASSMENT_ASSESSMENTS": translated(ASSESSMENTS),
        "HARASSMENT_FIELDS": translated(FIELD_LABELS),
    }


def case_panel(case: Case, user) -> dict | None:
    """The flag button for the front line; once flagged, the summary for the staff member's
    side and a neutral notice (no details) for everyone else who can see the case."""
    report = report_for_case(case.id)
    if report is None:
        if not access.can_flag_harassment(user, case):
            return None
        return {"mode": "flag", "staff": staff_choices(case, user)}
    if not access.can_read_harassment(user, report):
        return {"mode": "notice"}
    found = follow_ups(report)
    return {"mode": "details", "report": report, "last_follow_up": found[0] if found else None}


def _report_or_404(report_id: int) -> tuple[HarassmentReport, Case]:
    """The record, reached through its case. A record one may not read is a 404, as a case
    outside one's scope is: its existence is already told by the neutral notice, its details
    are not."""
    report = db.session.get(HarassmentReport, report_id)
    if report is None:
        abort(404)
    case = get_case_or_404(report.case_id, current_user)
    if not access.can_read_harassment(current_user, report):
        abort(404)
    return report, case


@bp.post("/flag/<int:intake_case_id>")
@allow("operator", "lead")
def flag(intake_case_id: int):
    case = get_case_or_404(intake_case_id, current_user)
    require(access.can_flag_harassment(current_user, case))
    form = FlagForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with transaction():
            case = get_case_or_404(intake_case_id, current_user)
            report = flag_case(
                case, actor=current_user, staff_member_id=form.staff_member_id.data or None
            )
    except AlreadyFlagged as already:
        flash(_("This case is already handled under the customer-harassment policy."), "info")
        if access.can_read_harassment(current_user, already.report):
            return redirect(url_for("harassment.report", report_id=already.report.id))
        return redirect(url_for("cases.detail", case_id=intake_case_id))
    except MissingInput:
        flash(_("Choose a member of the front line of this case."), "error")
        return redirect(url_for("cases.detail", case_id=intake_case_id))
    flash(
        _("Case %(ref)s is now handled under the customer-harassment policy.", ref=case.ref),
        "success",
    )
    return redirect(url_for("harassment.report", report_id=report.id))


def _record_page(report, case, *, form=None, follow_up_form=None, conflict=None, status=200):
    editable = access.can_edit_harassment(current_user, report)
    if editable and form is None:
        form = ReportForm(formdata=None, obj=report, version=report.version)
    if editable and follow_up_form is None:
        now = utcnow().astimezone(ZoneInfo(str(get_timezone())))
        follow_up_form = FollowUpForm(
            formdata=None, held_at=now.replace(second=0, microsecond=0, tzinfo=None)
        )
    return (
        render_template(
            "harassment/report.html",
            report=report,
            case=case,
            form=form if editable else None,
            follow_up_form=follow_up_form if editable else None,
            follow_ups=follow_ups(report),
            conflict=conflict,
        ),
        status,
    )


@bp.get("/<int:report_id>")
@allow("operator", "lead", "executive", "admin")
def report(report_id: int):
    report, case = _report_or_404(report_id)
    return _record_page(report, case)


@bp.post("/<int:report_id>/edit")
@allow("operator", "lead")
def edit(report_id: int):
    report, case = _report_or_404(report_id)
    require(access.can_edit_harassment(current_user, report))
    form = ReportForm()
    if not form.validate_on_submit():
        return _record_page(report, case, form=form, status=422)
    changes = {name: getattr(form, name).data for name in EDITABLE_FIELDS}
    try:
        with transaction():
            report, case = _report_or_404(report_id)
            update_report(
                report, actor=current_user, changes=changes, expected_version=int(form.version.data)
            )
    except ReportConflict as error:
        # Keep what the user typed; show what is saved now; the next save builds on it.
        report, case = _report_or_404(report_id)
        form.version.data = report.version
        return _record_page(report, case, form=form, conflict=error, status=409)
    except InvalidChoice as error:
        getattr(form, error.field_name).errors = [_("Choose among the listed answers.")]
        return _record_page(report, case, form=form, status=422)
    flash(_("The record was saved."), "success")
    return redirect(url_for("harassment.report", report_id=report_id))


@bp.post("/<int:report_id>/follow-ups")
@allow("operator", "lead")
def follow_up(report_id: int):
    report, case = _report_or_404(report_id)
    require(access.can_edit_harassment(current_user, report))
    form = FollowUpForm()
    if not form.validate_on_submit():
        return _record_page(report, case, follow_up_form=form, status=422)
    try:
        with transaction():
            report, case = _report_or_404(report_id)
            add_follow_up(
                report, actor=current_user, held_at=to_utc(form.held_at.data), body=form.body.data
            )
    except MissingInput as error:
        target = form.body if error.field_name == "body" else form.held_at
        target.errors = [_("Enter this.")]
        return _record_page(report, case, follow_up_form=form, status=422)
    flash(_("The follow-up with the staff member was recorded."), "success")
    return redirect(url_for("harassment.report", report_id=report_id) + "#follow-ups")


@bp.get("/")
@allow(*MANAGEMENT)
def index():
    require(access.can_see_harassment_overview(current_user))
    page = max(1, min(request.args.get("page", 1, type=int), 10_000))
    start, end = last_months(MONTHS)
    counts = harassment_counts(current_user, start, end)
    rows = report_list(current_user, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    labels = translated(BEHAVIOURS) | {UNDESCRIBED: _("Not yet described")}
    series = [
        (code, labels[code], PALETTE[i % len(PALETTE)], values)
        for i, (code, values) in enumerate(counts.by_behaviour.items())
    ]
    chart = charts.bar(
        [month.strftime("%Y-%m") for month in counts.months],
        # the behaviours named in these months (the table lists them all)
        {label: [n or None for n in values] for _code, label, _c, values in series if any(values)},
        title=_("Behaviours named per month"),
        stacked=True,
        totals=counts.reports,
        colors={label: colour for _code, label, colour, _values in series},
    )
    return render_template(
        "harassment/index.html",
        counts=counts,
        series=series,
        chart=chart,
        rows=rows[:PER_PAGE],
        page=page,
        has_next=len(rows) > PER_PAGE,
    )
