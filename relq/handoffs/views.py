"""The handoff pages: the department's inbox (incoming, outgoing, closed), a handoff with its
thread and the steps the reader may take, asking another department (on its own or from a
case), the admins' times per department pair, and the case page's panel of hops.

Thin views: load through the scope (get_handoff_or_404, get_case_or_404), check the named
permission, call one service in a transaction, redirect. A step taken on a page that is no
longer current comes back 409 with what the user typed kept; a refused value comes back 422
with the field marked.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from relq import access
from relq.access import allow, get_case_or_404, require
from relq.cache import kept
from relq.cases.models import Case
from relq.db import transaction, utcnow
from relq.deadlines.calendar import OFFICE_TZ, WORKDAY_MINUTES
from relq.deadlines.views import business_duration
from relq.errors import Conflict, Invalid
from relq.handoffs import services
from relq.handoffs.forms import ConfirmForm, MessageForm, PolicyForm, RequestForm, StepForm
from relq.handoffs.models import (
    ASK_MAX,
    DEFAULT_DUE_MINUTES,
    DEFAULT_GRACE_MINUTES,
    MESSAGE_KINDS,
    MESSAGE_MAX,
    SIDES,
    STATUSES,
    STEPS,
    WAITING_FOR_PROVIDER,
    Handoff,
)
from relq.handoffs.services import (
    BOXES,
    HandoffConflict,
    confirm_handoff,
    get_handoff_or_404,
    hops_of,
    inbox_counts,
    inbox_page,
    is_late,
    messages_of,
    openable_case_ids,
    people_to_ask,
    policy_for,
    post_message,
    request_handoff,
    set_policy,
    take_step,
    waited_minutes,
)
from relq.i18n import locale_code
from relq.org.models import User
from relq.org.services import department_choices

bp = Blueprint("handoffs", __name__)

PER_PAGE = 50
SIDE_ROLES = ("operator", "lead")


@bp.app_context_processor
def handoff_vocabulary() -> dict[str, Any]:
    return {
        "HANDOFF_STATUSES": STATUSES,
        "HANDOFF_STEPS": STEPS,
        "HANDOFF_MESSAGE_KINDS": MESSAGE_KINDS,
        "HANDOFF_SIDES": SIDES,
    }


def waiting_badge(user: User) -> int | None:
    """The menu's number (services.waiting_badge), kept until a handoff or a person changes."""
    if "handoffs_waiting" not in g:
        g.handoffs_waiting = kept(
            ("handoffs", "org"), ("handoff-badge", user.id), lambda: services.waiting_badge(user)
        )
    return g.handoffs_waiting or None


# ---- the case page's panel -------------------------------------------------------------------


def why_from_case(case: Case) -> str:
    """Why it matters to the customer, as the case says it: its subject and what they ask."""
    lines = [_("Case %(ref)s: %(subject)s", ref=case.ref, subject=case.subject)]
    if case.remedy_requested:
        lines.append(_("The customer asks for: %(request)s", request=case.remedy_requested))
    return "\n".join(lines)[:ASK_MAX]


def _provider_choices(user: User) -> list[tuple[int, str]]:
    """Every active department but the user's own, with the time it has to answer it."""
    due = services.due_minutes_by_provider(user.department_id)
    return [
        (
            department_id,
            _(
                "%(department)s (answers within %(time)s)",
                department=name,
                time=business_duration(due[department_id]),
            ),
        )
        for department_id, name in department_choices(locale_code())
        if department_id in due
    ]


def case_panel(case: Case, user: User) -> dict[str, Any] | None:
    """The hops made on the case (from → to, status, how long each waited, ratings), and a
    compact form to ask another department about it."""
    hops = hops_of(case, user)
    can_ask = access.can_request_handoff(user, case)
    if not hops and not can_ask:
        return None
    now = utcnow()
    return {
        "hops": [(h, waited_minutes(h, now), is_late(h, now)) for h in hops],
        "providers": _provider_choices(user) if can_ask else None,
        "why": why_from_case(case) if can_ask else "",
    }


# ---- the inbox -------------------------------------------------------------------------------


def _page() -> int:
    value = request.args.get("page", "")
    return max(int(value), 1) if value.isdigit() and len(value) < 6 else 1


@bp.get("/handoffs/")
@allow(*SIDE_ROLES)
def index():
    require(access.can_read_handoff_inbox(current_user))
    box = request.args.get("box", "incoming")
    box = box if box in BOXES else "incoming"
    page = _page()
    found = inbox_page(current_user, box, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    shown = found[:PER_PAGE]
    now = utcnow()
    return render_template(
        "handoffs/inbox.html",
        box=box,
        handoffs=shown,
        # Overdue: still waiting for its provider past the due time (an answer given late is
        # shown on the handoff, not flagged in the list).
        late={h.id for h in shown if h.status in WAITING_FOR_PROVIDER and is_late(h, now)},
        openable=openable_case_ids(current_user, [h.case_id for h in shown]),
        counts=inbox_counts(current_user, now),
        page=page,
        has_next=len(found) > PER_PAGE,
    )


# ---- asking another department ---------------------------------------------------------------


REQUEST_ERRORS = {
    "to_itself": ("provider_department_id", lambda: _("Ask another department than your own.")),
    "provider_department": ("provider_department_id", lambda: _("Choose an active department.")),
    "provider_user": (
        "provider_user_id",
        lambda: _("Choose someone of the department you ask, or nobody in particular."),
    ),
    "ask": ("ask", lambda: _("Say what you ask for (at most %(n)d characters).", n=ASK_MAX)),
    "why": ("why", lambda: _("At most %(n)d characters.", n=ASK_MAX)),
    "due_in_past": ("due_on", lambda: _("Choose a day that has not passed.")),
}


def _request_form(case: Case | None, formdata=None) -> RequestForm:
    if formdata is None:
        form = RequestForm(formdata=None, why=why_from_case(case) if case is not None else "")
    else:
        form = RequestForm(formdata)
    providers = _provider_choices(current_user)
    form.provider_department_id.choices = [(0, _("Choose a department"))] + providers
    people = people_to_ask()
    names = dict(providers)
    form.provider_user_id.choices = {None: [(0, _("Nobody in particular"))]} | {
        names[department_id]: [(p.id, p.name) for p in people[department_id]]
        for department_id, _name in providers
        if people.get(department_id)
    }
    return form


def _due_at(day: date | None) -> datetime | None:
    """A day chosen as "answer by": the close of that day at the office."""
    if day is None:
        return None
    return datetime.combine(day, time(18, 0), OFFICE_TZ)


def _new_page(case: Case | None):
    require(access.can_request_handoff(current_user, case))
    if request.method == "GET":
        form = _request_form(case)
        return _render_new(case, form)
    form = _request_form(case, request.form)
    if form.validate_on_submit():
        try:
            with transaction():
                on_case = get_case_or_404(case.id, current_user) if case is not None else None
                handoff = request_handoff(
                    actor=current_user,
                    provider_department_id=form.provider_department_id.data,
                    provider_user_id=form.provider_user_id.data or None,
                    ask=form.ask.data,
                    why=form.why.data or "",
                    case=on_case,
                    due_at=_due_at(form.due_on.data),
                )
        except Invalid as error:
            if error.code not in REQUEST_ERRORS:
                raise
            name, message = REQUEST_ERRORS[error.code]
            form[name].errors = [*form[name].errors, message()]
        else:
            flash(
                _(
                    "%(ref)s: %(department)s was asked.",
                    ref=handoff.ref,
                    department=handoff.provider_department.name_for(locale_code()),
                ),
                "success",
            )
            return redirect(url_for("handoffs.detail", handoff_id=handoff.id))
    return _render_new(case, form), 422


def _render_new(case: Case | None, form: RequestForm):
    return render_template(
        "handoffs/new.html",
        case=case,
        form=form,
        default_due=DEFAULT_DUE_MINUTES,
        action=(
            url_for("handoffs.new_for_case", case_id=case.id)
            if case is not None
            else url_for("handoffs.new")
        ),
    )


@bp.route("/handoffs/new", methods=["GET", "POST"])
@allow(*SIDE_ROLES)
def new():
    return _new_page(None)


@bp.route("/cases/<int:case_id>/handoffs/new", methods=["GET", "POST"])
@allow(*SIDE_ROLES)
def new_for_case(case_id: int):
    return _new_page(get_case_or_404(case_id, current_user))


# ---- one handoff: its page and its steps ------------------------------------------------------


def _handoff_page(
    handoff: Handoff,
    *,
    status: int = 200,
    step_form: StepForm | None = None,
    confirm_form: ConfirmForm | None = None,
    message_form: MessageForm | None = None,
    conflict: bool = False,
):
    """The handoff: the ask, why, the case, the due time, the thread, and the steps the reader
    may take (from STEPS). A form that came back (422, 409) is shown with what was typed, its
    version moved to the current one: sending it again builds on what is saved now."""
    user = current_user
    steps = [s for s in STEPS.values() if access.can_step_handoff(user, handoff, s.action)]
    typed = ""
    for form in (step_form, confirm_form):
        if form is not None:
            form.version.data = handoff.version
    if step_form is not None:
        typed = step_form.body.data or ""
    elif message_form is not None:
        typed = message_form.body.data or ""
    step_open = step_form.action.data if step_form is not None else ""
    can_confirm = any(s.action == "confirm" for s in steps)
    if can_confirm and confirm_form is None:
        confirm_form = ConfirmForm(formdata=None, version=handoff.version)
    can_message = access.can_message_handoff(user, handoff)
    if can_message and message_form is None:
        # A text that no step can take any more (the step went away) is kept here.
        kept_text = typed if conflict and step_open not in [s.action for s in steps] else ""
        message_form = MessageForm(formdata=None, body=kept_text)
    worded = [s for s in steps if s.needs_body]
    errors = step_form.errors if step_form is not None else {}
    if step_open not in [s.action for s in worded]:
        step_open = ""  # the step's form is gone: its words are shown with the page's errors
    loose_errors = [
        e for name, found in errors.items() if name != "body" or not step_open for e in found
    ]
    now = utcnow()
    case = handoff.case
    return (
        render_template(
            "handoffs/detail.html",
            handoff=handoff,
            case=case,
            can_open_case=case is not None and access.can_see_case(user, case),
            sides=access.handoff_sides(user, handoff),
            messages=messages_of(handoff),
            quick_steps=[s for s in steps if not s.needs_body and s.action != "confirm"],
            worded_steps=worded,
            step_open=step_open,
            step_errors=errors,
            loose_errors=loose_errors,
            typed=typed,
            confirm_form=confirm_form if can_confirm else None,
            message_form=message_form if can_message else None,
            conflict=conflict,
            late=is_late(handoff, now),
            waited=waited_minutes(handoff, now),
        ),
        status,
    )


@bp.get("/handoffs/<int:handoff_id>")
@allow(*SIDE_ROLES, "executive")
def detail(handoff_id: int):
    handoff = get_handoff_or_404(handoff_id, current_user)
    require(access.can_read_handoff(current_user, handoff))
    return _handoff_page(handoff)


def _acting_side(handoff_id: int) -> Handoff:
    """The handoff, for one of its two sides (the case's front line and executives read it)."""
    handoff = get_handoff_or_404(handoff_id, current_user)
    require(bool(access.handoff_sides(current_user, handoff)))
    return handoff


def _after_step(handoff: Handoff, message: str, back: str | None = None):
    flash(message, "success")
    if back == "inbox":
        return redirect(url_for("handoffs.index", box="incoming"))
    return redirect(url_for("handoffs.detail", handoff_id=handoff.id))


@bp.post("/handoffs/<int:handoff_id>/step")
@allow(*SIDE_ROLES)
def step(handoff_id: int):
    """accept, decline, answer, send back, cancel: services.take_step."""
    handoff = _acting_side(handoff_id)
    form = StepForm()
    if not form.validate_on_submit():
        return _handoff_page(handoff, step_form=form, status=422)
    try:
        with transaction():
            handoff = get_handoff_or_404(handoff_id, current_user)
            take_step(
                handoff,
                actor=current_user,
                action=form.action.data,
                expected_version=form.version.data,
                body=form.body.data or "",
            )
    except HandoffConflict:
        handoff = get_handoff_or_404(handoff_id, current_user)
        return _handoff_page(handoff, step_form=form, conflict=True, status=409)
    except Invalid as error:
        if error.code != "body":
            raise
        form.body.errors = [_("Write this (at most %(n)d characters).", n=MESSAGE_MAX)]
        handoff = get_handoff_or_404(handoff_id, current_user)
        return _handoff_page(handoff, step_form=form, status=422)
    return _after_step(
        handoff,
        _("%(ref)s: %(step)s.", ref=handoff.ref, step=STEPS[form.action.data].label),
        form.back.data,
    )


@bp.post("/handoffs/<int:handoff_id>/confirm")
@allow(*SIDE_ROLES)
def confirm(handoff_id: int):
    """The asking side takes the answer, rates it and may thank: services.confirm_handoff."""
    handoff = _acting_side(handoff_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _handoff_page(handoff, confirm_form=form, status=422)
    try:
        with transaction():
            handoff = get_handoff_or_404(handoff_id, current_user)
            confirm_handoff(
                handoff,
                actor=current_user,
                expected_version=form.version.data,
                usefulness=form.usefulness.data,
                speed=form.speed.data,
                comment=form.comment.data or "",
                thanks=form.thanks.data or "",
            )
    except HandoffConflict:
        handoff = get_handoff_or_404(handoff_id, current_user)
        return _handoff_page(handoff, confirm_form=form, conflict=True, status=409)
    except Invalid as error:
        target = {"rating": form.usefulness, "comment": form.comment, "thanks": form.thanks}.get(
            error.code
        )
        if target is None:
            raise
        target.errors = [_("This value is not accepted.")]
        handoff = get_handoff_or_404(handoff_id, current_user)
        return _handoff_page(handoff, confirm_form=form, status=422)
    return _after_step(
        handoff, _("%(ref)s was confirmed. Thank you for rating it.", ref=handoff.ref)
    )


@bp.post("/handoffs/<int:handoff_id>/messages")
@allow(*SIDE_ROLES)
def message(handoff_id: int):
    """A message to the other side while the handoff is open: services.post_message."""
    handoff = _acting_side(handoff_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _handoff_page(handoff, message_form=form, status=422)
    try:
        with transaction():
            handoff = get_handoff_or_404(handoff_id, current_user)
            post_message(handoff, actor=current_user, body=form.body.data)
    except Conflict:  # closed meanwhile
        handoff = get_handoff_or_404(handoff_id, current_user)
        return _handoff_page(handoff, message_form=form, conflict=True, status=409)
    flash(_("The message was sent."), "success")
    return redirect(url_for("handoffs.detail", handoff_id=handoff_id) + "#thread")


# ---- the admins' times per department pair ----------------------------------------------------


POLICY_ERRORS = {
    "to_itself": ("provider_department_id", lambda: _("Choose two different departments.")),
    "provider_department": ("provider_department_id", lambda: _("Choose an active department.")),
    "minutes": ("due_hours", lambda: _("The time to answer must be at least one hour.")),
}


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.route("/admin/handoffs", methods=["GET", "POST"])
@allow("admin")
def policies():
    require(access.can_manage_handoff_policies(current_user))
    departments = department_choices(locale_code())
    form = PolicyForm() if request.method == "POST" else PolicyForm(formdata=None)
    choice = [(0, _("Choose a department"))] + departments
    form.requester_department_id.choices = form.provider_department_id.choices = choice
    if request.method == "GET":
        requester, provider = _int_arg("requester"), _int_arg("provider")
        due, grace = (
            policy_for(requester, provider)
            if requester and provider
            else (DEFAULT_DUE_MINUTES, DEFAULT_GRACE_MINUTES)
        )
        form.requester_department_id.data = requester or 0
        form.provider_department_id.data = provider or 0
        form.due_hours.data, form.grace_hours.data = due // 60, grace // 60
        return _render_policies(form, departments)
    if form.validate_on_submit():
        try:
            with transaction():
                set_policy(
                    actor=current_user,
                    requester_id=form.requester_department_id.data,
                    provider_id=form.provider_department_id.data,
                    due_minutes=form.due_hours.data * 60,
                    grace_minutes=form.grace_hours.data * 60,
                )
        except Invalid as error:
            if error.code not in POLICY_ERRORS:
                raise
            name, words = POLICY_ERRORS[error.code]
            form[name].errors = [*form[name].errors, words()]
        else:
            flash(_("The time was saved. It applies to requests made from now on."), "success")
            return redirect(url_for("handoffs.policies"))
    return _render_policies(form, departments), 422


def _render_policies(form: PolicyForm, departments: list[tuple[int, str]]):
    return render_template(
        "handoffs/policies.html",
        form=form,
        policies=services.policies(),
        names=dict(departments),
        default_due=DEFAULT_DUE_MINUTES,
        default_grace=DEFAULT_GRACE_MINUTES,
        workday_hours=WORKDAY_MINUTES // 60,
    )
