"""The "thanks" feed and the case-page panel that passes a compliment on."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from relq import access
from relq.access import EVERYONE, allow, get_case_or_404, require
from relq.cases.models import Case
from relq.db import transaction
from relq.org.services import department_choices
from relq.thanks.forms import FeedFilterForm, ShareForm
from relq.thanks.services import (
    FEED_WEEKS,
    AlreadyShared,
    FeedFilters,
    MissingInput,
    compliment_for_case,
    linkable_case_ids,
    linkable_handoff_ids,
    share_compliment,
    staff_by_department,
    thanks_feed,
    thanks_per_department,
    unshare_compliment,
)

bp = Blueprint("thanks", __name__, url_prefix="/thanks")

PER_PAGE = 20


def _share_form(case: Case, formdata=None) -> ShareForm:
    if formdata is None:
        # The customer's words, for the operator to trim to what may be shared.
        form = ShareForm(
            formdata=None,
            department_id=case.responsible_department_id or case.intake_department_id,
            quote=case.customer_words,
        )
    else:
        form = ShareForm(formdata)
    locale = str(get_locale())
    departments = department_choices(locale)
    form.department_id.choices = departments
    people = staff_by_department()
    names = dict(departments)
    form.staff_user_id.choices = {None: [(0, _("Nobody in particular / not a user"))]} | {
        names[department_id]: [(p.id, p.name) for p in people.get(department_id, [])]
        for department_id, _name in departments
        if people.get(department_id)
    }
    return form


def case_panel(case: Case, user) -> dict | None:
    """On compliment cases: the share form for the front line, or what was shared and to whom."""
    if case.kind != "compliment":
        return None
    compliment = compliment_for_case(case.id)
    if compliment is not None:
        return {
            "compliment": compliment,
            "can_withdraw": access.can_withdraw_compliment(user, case),
        }
    if not access.can_share_compliment(user, case):
        return None
    return {"form": _share_form(case)}


@bp.post("/share/<int:compliment_case_id>")
@allow("operator", "lead")
def share(compliment_case_id: int):
    case = get_case_or_404(compliment_case_id, current_user)
    require(access.can_share_compliment(current_user, case))
    form = _share_form(case, request.form)
    if form.validate_on_submit():
        try:
            with transaction():
                case = get_case_or_404(compliment_case_id, current_user)
                share_compliment(
                    case,
                    actor=current_user,
                    department_id=form.department_id.data,
                    staff_user_id=form.staff_user_id.data or None,
                    staff_name=form.staff_name.data or "",
                    quote=form.quote.data,
                )
        except AlreadyShared:
            flash(_("This compliment was already passed on."), "info")
            return redirect(url_for("cases.detail", case_id=compliment_case_id))
        except MissingInput as error:
            target, message = {
                "staff_user": (form.staff_user_id, _("Choose someone of the department thanked.")),
                "quote": (form.quote, _("Enter the words to share.")),
                "staff_name": (form.staff_name, _("The name is too long.")),
            }.get(error.field_name, (form.department_id, _("Choose an active department.")))
            target.errors = [*target.errors, message]
        else:
            flash(_("Thank you: the compliment is now in the thanks feed."), "success")
            return redirect(url_for("cases.detail", case_id=compliment_case_id))
    return render_template("thanks/share.html", case=case, form=form), 422


@bp.post("/withdraw/<int:compliment_case_id>")
@allow("operator", "lead", "admin")
def withdraw(compliment_case_id: int):
    case = get_case_or_404(compliment_case_id, current_user)
    require(access.can_withdraw_compliment(current_user, case))
    with transaction():
        case = get_case_or_404(compliment_case_id, current_user)
        compliment = compliment_for_case(case.id)
        if compliment is not None:
            unshare_compliment(compliment, actor=current_user)
    if compliment is None:
        flash(_("Nothing was shared from this case."), "info")
    else:
        flash(_("The compliment was taken out of the thanks feed."), "success")
    return redirect(url_for("cases.detail", case_id=compliment_case_id))


def handoff_url(handoff_id: int) -> str:
    """The handoff's page, when this app has it (relq/handoffs' capability)."""
    if "handoffs.detail" in current_app.view_functions:
        return url_for("handoffs.detail", handoff_id=handoff_id)
    return ""


@bp.get("/")
@allow(EVERYONE)
def index():
    choices = [(0, _("All departments"))] + department_choices(str(get_locale()))
    form = FeedFilterForm(request.args)
    form.department.choices = choices
    if not form.validate():
        flash(_("Some filters were not understood and were ignored."), "warning")
        form = FeedFilterForm()
        form.department.choices = choices
    page = max(1, min(form.page.data or 1, 10_000))
    filters = FeedFilters(
        department_id=form.department.data or None,
        staff_user_id=current_user.id if form.mine.data else None,
        source=form.source.data or "",
    )
    entries = thanks_feed(filters, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    shown = entries[:PER_PAGE]
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "thanks/index.html",
        form=form,
        entries=shown,
        linkable=linkable_case_ids(
            current_user, [e.compliment.case_id for e in shown if e.compliment]
        ),
        handoff_urls={
            handoff_id: url
            for handoff_id in linkable_handoff_ids(
                current_user, [e.handoff.id for e in shown if e.handoff]
            )
            if (url := handoff_url(handoff_id))
        },
        per_department=thanks_per_department(FEED_WEEKS),
        weeks=FEED_WEEKS,
        page=page,
        has_next=len(entries) > PER_PAGE,
        query_args=args,
    )
