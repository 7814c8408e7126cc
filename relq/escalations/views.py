from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from relq import access
from relq.access import allow
from relq.db import db, transaction, utcnow
from relq.escalations.forms import (
    BulkDecisionForm,
    BulkOwnerForm,
    CommentForm,
    DecisionForm,
    OwnerForm,
)
from relq.escalations.models import AGES, LEVELS, OUTCOMES, REASONS
from relq.escalations.services import (
    BoardFilters,
    EscalationError,
    assign_owner,
    assign_owners,
    board,
    close_escalation,
    close_escalations,
    comment_on,
    comments_of,
    count_rows,
    escalations_of,
    get_escalation_or_404,
    open_counts,
    owner_candidates,
    owner_choices,
    subjects_of,
)
from relq.escalations.triggers import REPEAT_CUSTOMER
from relq.handoffs.models import STATUSES as HANDOFF_STATUSES
from relq.org.models import active_departments

bp = Blueprint("escalations", __name__, url_prefix="/escalations")

PER_PAGE = 50
MANAGERS = ("lead", "executive", "admin")
DECIDERS = ("lead", "executive")


@bp.app_context_processor
def escalation_labels():
    return {
        "ESCALATION_REASONS": REASONS,
        "ESCALATION_LEVELS": LEVELS,
        "ESCALATION_OUTCOMES": OUTCOMES,
        "REPEAT_CUSTOMER": REPEAT_CUSTOMER,
        "handoff_page_url": handoff_url,
        "HANDOFF_STATUSES": HANDOFF_STATUSES,
    }


def handoff_url(handoff_id: int) -> str:
    """The handoff's page, or the handoff inbox until the page exists in this app."""
    for endpoint, values in (
        ("handoffs.detail", {"handoff_id": handoff_id}),
        ("handoffs.index", {}),
    ):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, **values)
    return ""


@bp.app_template_filter("age")
def age(since, now=None) -> str:
    """How long ago, in the largest unit that says it: "3日", "5時間", "12分"."""
    minutes = max(int(((now or utcnow()) - since).total_seconds() // 60), 0)
    if minutes >= 24 * 60:
        return _("%(n)d d", n=minutes // (24 * 60))
    if minutes >= 60:
        return _("%(n)d h", n=minutes // 60)
    return _("%(n)d min", n=minutes)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) <= 18 else None


def _filters() -> BoardFilters:
    state, reason, level, age = (
        request.args.get(k, "") for k in ("state", "reason", "level", "age")
    )
    return BoardFilters(
        state=state if state in ("closed", "all") else "open",
        level=int(level) if level.isdigit() and int(level) in LEVELS else None,
        reason=reason if reason in REASONS else "",
        department_id=_int_arg("department"),
        age=age if age in AGES else "",
    )


def _filter_args(filters: BoardFilters) -> dict[str, object]:
    """The filters as the board's URL carries them (empty ones left out)."""
    args = {
        "state": filters.state if filters.state != "open" else "",
        "level": filters.level or "",
        "reason": filters.reason,
        "department": filters.department_id or "",
        "age": filters.age,
    }
    return {key: value for key, value in args.items() if value}


def _board_page(*, status=200, decision_form=None, owner_form=None):
    filters = _filters()
    page = max(min(_int_arg("page") or 1, 10_000), 1)
    rows, has_next = board(current_user, filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    subjects = subjects_of([e for row in rows for e in row.escalations], current_user)
    counts = open_counts(current_user)
    by_reason = {code: sum(n for (r, _lv), n in counts.items() if r == code) for code in REASONS}
    locale = str(get_locale())
    owner_form = owner_form or BulkOwnerForm(formdata=None)
    owner_form.owner_id.choices = _owner_choices()
    selected = set((decision_form or owner_form).rows.data or ())
    return (
        render_template(
            "escalations/index.html",
            rows=rows,
            has_next=has_next,
            total=count_rows(current_user, filters),
            cases=subjects.cases,
            alerts=subjects.alerts,
            handoffs=subjects.handoffs,
            filters=filters,
            filter_args=_filter_args(filters),
            page=page,
            by_reason=by_reason,
            by_level={lv: sum(n for (_r, x), n in counts.items() if x == lv) for lv in LEVELS},
            most=max(by_reason.values(), default=0) or 1,
            departments=[
                (d.id, d.name_for(locale)) for d in db.session.scalars(active_departments())
            ],
            ages=AGES,
            can_act=current_user.role in DECIDERS,
            decision_form=decision_form or BulkDecisionForm(formdata=None),
            owner_form=owner_form,
            selected={row.key for row in rows if selected & {e.id for e in row.open_escalations}},
            now=utcnow(),
        ),
        status,
    )


def _owner_choices() -> list[tuple[int, str]]:
    return [(0, _("Nobody"))] + [(u.id, u.name) for u in owner_candidates(current_user)]


@bp.get("/")
@allow(*MANAGERS)
def index():
    return _board_page()


@bp.post("/close")
@allow(*DECIDERS)
def close_selected():
    """Select rows, record one decision: every escalation of those rows is closed with it."""
    form = BulkDecisionForm()
    if not form.validate_on_submit():
        return _board_page(status=422, decision_form=form)
    with transaction():
        closed = close_escalations(
            form.rows.data,
            actor=current_user,
            outcome=form.outcome.data,
            decision=form.decision.data,
        )
    flash(
        _("%(count)d escalation(s) were closed with your decision.", count=len(closed)), "success"
    )
    return redirect(url_for("escalations.index", **request.args))


@bp.post("/owner")
@allow(*DECIDERS)
def owner_selected():
    """Select rows: take them, or give them an owner (or nobody)."""
    form = BulkOwnerForm()
    form.owner_id.choices = _owner_choices()
    if not form.validate_on_submit():
        return _board_page(status=422, owner_form=form)
    owner_id = current_user.id if form.take.data else form.owner_id.data or None
    with transaction():
        changed = assign_owners(form.rows.data, actor=current_user, owner_id=owner_id)
    flash(_("The owner of %(count)d escalation(s) was updated.", count=len(changed)), "success")
    return redirect(url_for("escalations.index", **request.args))


def _detail_page(escalation, *, status=200, decision_form=None, comment_form=None):
    subjects = subjects_of([escalation], current_user)
    owner_form = None
    if access.can_comment_escalation(current_user, escalation):
        owner_form = OwnerForm(formdata=None, owner_id=escalation.owner_id or 0)
        owner_form.owner_id.choices = [(0, _("Nobody"))] + [
            (u.id, u.name) for u in owner_choices(escalation)
        ]
    return (
        render_template(
            "escalations/detail.html",
            escalation=escalation,
            case=subjects.cases.get(escalation.case_id),
            alert=subjects.alerts.get(escalation.surge_alert_id),
            handoff=subjects.handoffs.get(escalation.handoff_id),
            comments=comments_of(escalation),
            decision_form=decision_form or DecisionForm(formdata=None),
            comment_form=comment_form or CommentForm(formdata=None),
            owner_form=owner_form,
            now=utcnow(),
        ),
        status,
    )


@bp.get("/<int:escalation_id>")
@allow(*MANAGERS)
def detail(escalation_id: int):
    return _detail_page(get_escalation_or_404(escalation_id, current_user))


@bp.post("/<int:escalation_id>/close")
@allow("lead", "executive")
def close(escalation_id: int):
    escalation = get_escalation_or_404(escalation_id, current_user)
    access.require(access.can_decide_escalation(current_user, escalation))
    form = DecisionForm()
    if not form.validate_on_submit():
        return _detail_page(escalation, status=422, decision_form=form)
    try:
        with transaction():
            escalation = get_escalation_or_404(escalation_id, current_user)
            close_escalation(
                escalation,
                actor=current_user,
                outcome=form.outcome.data,
                decision=form.decision.data,
            )
    except EscalationError:
        abort(409)
    flash(_("The escalation was closed with your decision."), "success")
    return redirect(url_for("escalations.detail", escalation_id=escalation_id))


@bp.post("/<int:escalation_id>/comment")
@allow("lead", "executive")
def comment(escalation_id: int):
    escalation = get_escalation_or_404(escalation_id, current_user)
    access.require(access.can_comment_escalation(current_user, escalation))
    form = CommentForm()
    if not form.validate_on_submit():
        return _detail_page(escalation, status=422, comment_form=form)
    try:
        with transaction():
            comment_on(
                get_escalation_or_404(escalation_id, current_user),
                actor=current_user,
                body=form.body.data,
            )
    except EscalationError:  # closed meanwhile
        abort(409)
    flash(_("Your comment was added."), "success")
    return redirect(url_for("escalations.detail", escalation_id=escalation_id))


@bp.post("/<int:escalation_id>/owner")
@allow("lead", "executive")
def owner(escalation_id: int):
    escalation = get_escalation_or_404(escalation_id, current_user)
    access.require(access.can_comment_escalation(current_user, escalation))
    form = OwnerForm()
    form.owner_id.choices = [(0, "")] + [(u.id, u.name) for u in owner_choices(escalation)]
    if not form.validate_on_submit():
        flash(_("Choose someone from the list."), "error")
        return redirect(url_for("escalations.detail", escalation_id=escalation_id))
    try:
        with transaction():
            assign_owner(
                get_escalation_or_404(escalation_id, current_user),
                actor=current_user,
                owner_id=form.owner_id.data or None,
            )
    except EscalationError:  # closed meanwhile
        abort(409)
    flash(_("The owner was updated."), "success")
    return redirect(url_for("escalations.detail", escalation_id=escalation_id))


def _case_panel(case, user):
    found = escalations_of(case.id)
    if not found:
        return None
    return {"escalations": found, "can_open": access.can_read_escalations(user)}
