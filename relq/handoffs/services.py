"""Handoffs between departments: asking, accepting or declining, answering, sending back,
confirming with a rating and a thank-you, cancelling; the messages both ways; the clock.

Services take the acting user, check it with relq.access, change the handoff, record one audit
event per step (with the case id, so that the step is a hop on the case's timeline) and flush;
they never commit. A step is taken against the version the user's page was built from: two
people answering at once get a conflict, not two answers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, and_, func, literal, literal_column, or_, select, union_all
from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from relq import access, events
from relq.audit.services import record
from relq.cache import cached
from relq.cases.models import Case
from relq.db import db, utcnow
from relq.deadlines.calendar import add_business_minutes, business_minutes_between
from relq.errors import Conflict, Invalid, NotAllowed, NotFound
from relq.handoffs.models import (
    ASK_MAX,
    CLOSED_STATUSES,
    COMMENT_MAX,
    DEFAULT_DUE_MINUTES,
    DEFAULT_GRACE_MINUTES,
    MESSAGE_MAX,
    OPEN_STATUSES,
    PROVIDER,
    RATINGS,
    REQUESTER,
    STEPS,
    WAITING_FOR_PROVIDER,
    Handoff,
    HandoffMessage,
    HandoffPolicy,
)
from relq.org.models import Department, User


class HandoffConflict(Conflict):
    """The handoff changed since the user's page was built (another person took a step)."""

    def __init__(self, handoff: Handoff):
        super().__init__("handoff_changed")
        self.handoff = handoff


# ---- reading ---------------------------------------------------------------------------------


def visible_handoffs(user: User) -> Select:
    """Every read of handoffs starts here (access.handoff_scope)."""
    return select(Handoff).where(access.handoff_scope(user))


def get_handoff_or_404(handoff_id: int, user: User) -> Handoff:
    handoff = db.session.scalar(visible_handoffs(user).where(Handoff.id == handoff_id))
    if handoff is None:
        raise NotFound("handoff")
    return handoff


def messages_of(handoff: Handoff) -> list[HandoffMessage]:
    return list(
        db.session.scalars(
            select(HandoffMessage)
            .where(HandoffMessage.handoff_id == handoff.id)
            .order_by(HandoffMessage.created_at, HandoffMessage.id)
        )
    )


def hops_of(case: Case, user: User) -> list[Handoff]:
    """The handoffs made on `case` that `user` may read, oldest first."""
    return list(
        db.session.scalars(
            visible_handoffs(user).where(Handoff.case_id == case.id).order_by(Handoff.id)
        )
    )


BOXES = ("incoming", "outgoing", "closed")


def inbox(user: User, box: str) -> Select:
    """A department's handoffs: asked of it and open ("incoming"), asked by it and open
    ("outgoing"), or closed either way ("closed", latest due first); open ones overdue first,
    then by due time. (inbox_page reads a page of it through the indexes.)"""
    department = user.department_id
    query = visible_handoffs(user)
    if box == "closed":
        return query.where(
            (Handoff.requester_department_id == department)
            | (Handoff.provider_department_id == department),
            Handoff.status.not_in(OPEN_STATUSES),
        ).order_by(Handoff.due_at.desc(), Handoff.id.desc())
    incoming = box == "incoming"
    side = Handoff.provider_department_id if incoming else Handoff.requester_department_id
    # What the department must act on first: the provider while it is waiting for an answer,
    # the asking side once there is one to confirm; then by due time (overdue first).
    acts_now = (
        Handoff.status.in_(WAITING_FOR_PROVIDER) if incoming else Handoff.status == "answered"
    )
    return query.where(side == department, Handoff.status.in_(OPEN_STATUSES)).order_by(
        sql_case((acts_now, 0), else_=1), Handoff.due_at, Handoff.id
    )


def inbox_counts(user: User, now: datetime | None = None) -> dict[str, int]:
    """Open handoffs asked of and by the user's department, and how many of the asked are
    overdue (the menu's badge): one statement, two grouped scans of the (department, status,
    due_at) indexes that read the index alone."""
    now = now or utcnow()
    department = user.department_id
    late = sql_case((Handoff.due_at < now, 1), else_=0)
    asked_of = (
        select(literal_column("'provider'").label("side"), Handoff.status, late, func.count())
        .where(Handoff.provider_department_id == department, Handoff.status.in_(OPEN_STATUSES))
        .group_by(Handoff.status, late)
    )
    asked_by = (
        select(literal_column("'requester'"), Handoff.status, literal_column("0"), func.count())
        .where(Handoff.requester_department_id == department, Handoff.status.in_(OPEN_STATUSES))
        .group_by(Handoff.status)
    )
    counts = {"incoming": 0, "outgoing": 0, "overdue": 0, "to_confirm": 0}
    for side, status, is_late, n in db.session.execute(union_all(asked_of, asked_by)):
        if side == "provider":
            counts["incoming"] += n
            if is_late and status in WAITING_FOR_PROVIDER:
                counts["overdue"] += n
        else:
            counts["outgoing"] += n
            if status == "answered":
                counts["to_confirm"] += n
    return counts


def waiting_badge(user: User) -> int:
    """The menu's number: what waits for the user's department to act on."""
    if not access.can_read_handoff_inbox(user):
        return 0
    counts = db.session.scalar(
        select(func.count())
        .select_from(Handoff)
        .where(
            or_(
                and_(
                    Handoff.provider_department_id == user.department_id,
                    Handoff.status.in_(WAITING_FOR_PROVIDER),
                ),
                and_(
                    Handoff.requester_department_id == user.department_id,
                    Handoff.status == "answered",
                ),
            )
        )
    )
    return counts or 0


# Each box as groups read in turn, each group's handoffs by due time (closed: latest first):
# (the department's sides, the statuses). The same order as `inbox`, read through the
# (department, status, due_at) indexes a status at a time, so that a page costs a few short
# index scans however many handoffs a department has (no sort of all its open ones).
_BOX_GROUPS = {
    "incoming": ((("provider",), WAITING_FOR_PROVIDER), (("provider",), ("answered",))),
    "outgoing": ((("requester",), ("answered",)), (("requester",), WAITING_FOR_PROVIDER)),
    "closed": ((("provider", "requester"), CLOSED_STATUSES),),
}


def inbox_page(user: User, box: str, *, limit: int, offset: int = 0) -> list[Handoff]:
    """One page of `inbox(user, box)` (the same handoffs in the same order), with each
    handoff's case and person asked loaded: two statements. The first reads, for each group,
    side and status, the first `offset + limit` keys through its (department, status, due_at)
    index, all in one UNION ALL, and orders what they found."""
    latest_first = box == "closed"
    wanted = offset + limit
    parts = []
    for rank, (sides, statuses) in enumerate(_BOX_GROUPS[box]):
        for side in sides:
            column = (
                Handoff.provider_department_id
                if side == "provider"
                else Handoff.requester_department_id
            )
            for status in statuses:
                order = (
                    (Handoff.due_at.desc(), Handoff.id.desc())
                    if latest_first
                    else (Handoff.due_at, Handoff.id)
                )
                part = (
                    visible_handoffs(user)
                    .with_only_columns(literal(rank).label("rank"), Handoff.due_at, Handoff.id)
                    .where(column == user.department_id, Handoff.status == status)
                    .order_by(*order)
                    .limit(wanted)
                    .subquery()
                )
                parts.append(select(part))
    found = union_all(*parts).subquery()
    due = found.c.due_at.desc() if latest_first else found.c.due_at
    key = found.c.id.desc() if latest_first else found.c.id
    ids = list(
        db.session.scalars(
            select(found.c.id).order_by(found.c.rank, due, key).offset(offset).limit(limit)
        )
    )
    if not ids:
        return []
    loaded = {
        h.id: h
        for h in db.session.scalars(
            select(Handoff)
            .where(Handoff.id.in_(ids))
            # The people in queries of their own: joined, users bring their departments and
            # the statement joins eight tables, which PostgreSQL takes milliseconds to plan.
            .options(
                joinedload(Handoff.case),
                selectinload(Handoff.provider_user),
                selectinload(Handoff.requested_by),
            )
        )
    }
    return [loaded[i] for i in ids]


def openable_case_ids(user: User, case_ids) -> set[int]:
    """Which of these cases `user` may open (a hop is readable on a case one cannot see: the
    providing side of a handoff is not necessarily in the case's scope)."""
    wanted = {i for i in case_ids if i is not None}
    if not wanted:
        return set()
    return set(
        db.session.scalars(
            access.visible_cases(user).with_only_columns(Case.id).where(Case.id.in_(wanted))
        )
    )


def people_to_ask() -> dict[int, list[User]]:
    """The active operators and leads of each active department: who a request may name."""
    people = db.session.scalars(
        select(User)
        .join(Department, Department.id == User.department_id)
        .where(
            User.is_active.is_(True),
            Department.is_active.is_(True),
            User.role.in_(("operator", "lead")),
        )
        .order_by(Department.id, User.name)
    )
    found: dict[int, list[User]] = {}
    for person in people:
        found.setdefault(person.department_id, []).append(person)
    return found


def waited_minutes(handoff: Handoff, now: datetime | None = None) -> int:
    """Business minutes the asking side has waited for an answer: until the last answer, the
    close, or now while it is still waiting."""
    end = handoff.answered_at or handoff.closed_at or now or utcnow()
    return business_minutes_between(handoff.requested_at, end)


def is_late(handoff: Handoff, now: datetime | None = None) -> bool:
    """Past its due time while waiting for its provider, or answered after it."""
    if handoff.status in WAITING_FOR_PROVIDER:
        return handoff.due_at < (now or utcnow())
    return bool(handoff.answered_at and handoff.answered_at > handoff.due_at)


# ---- the time a department has ---------------------------------------------------------------


def policy_for(requester_id: int, provider_id: int) -> tuple[int, int]:
    """(due, grace) in business minutes for requests from one department to another."""
    policy = db.session.scalar(
        select(HandoffPolicy).where(
            HandoffPolicy.requester_department_id == requester_id,
            HandoffPolicy.provider_department_id == provider_id,
        )
    )
    if policy is None:
        return DEFAULT_DUE_MINUTES, DEFAULT_GRACE_MINUTES
    return policy.due_minutes, policy.grace_minutes


@cached("org", "handoffs")
def due_minutes_by_provider(requester_id: int) -> dict[int, int]:
    """The business minutes each department has for requests from `requester_id` (its pair's
    policy, or the default): shown beside each department when asking, on every case page
    (kept; callers must not change the dict)."""
    own = dict(
        db.session.execute(
            select(HandoffPolicy.provider_department_id, HandoffPolicy.due_minutes).where(
                HandoffPolicy.requester_department_id == requester_id
            )
        ).all()
    )
    departments = db.session.scalars(select(Department.id).where(Department.is_active.is_(True)))
    return {d: own.get(d, DEFAULT_DUE_MINUTES) for d in departments if d != requester_id}


def policies() -> list[HandoffPolicy]:
    """Every department pair with a time of its own, by asking then providing department."""
    return list(
        db.session.scalars(
            select(HandoffPolicy).order_by(
                HandoffPolicy.requester_department_id, HandoffPolicy.provider_department_id
            )
        )
    )


def set_policy(
    *, actor: User, requester_id: int, provider_id: int, due_minutes: int, grace_minutes: int
) -> HandoffPolicy:
    """An admin sets the time a department pair allows (new handoffs only: a due time already
    given is kept)."""
    if not access.can_manage_handoff_policies(actor):
        raise NotAllowed("manage_handoff_policies")
    if requester_id == provider_id:
        raise Invalid("to_itself")
    if due_minutes <= 0 or grace_minutes < 0:
        raise Invalid("minutes")
    _department(requester_id)
    _department(provider_id)
    policy = db.session.scalar(
        select(HandoffPolicy).where(
            HandoffPolicy.requester_department_id == requester_id,
            HandoffPolicy.provider_department_id == provider_id,
        )
    )
    before = None
    if policy is None:
        policy = HandoffPolicy(
            requester_department_id=requester_id, provider_department_id=provider_id
        )
        db.session.add(policy)
    else:
        before = {"due_minutes": policy.due_minutes, "grace_minutes": policy.grace_minutes}
    policy.due_minutes, policy.grace_minutes = due_minutes, grace_minutes
    db.session.flush()
    record(
        "handoff_policy.updated",
        actor=actor,
        entity_type="handoff_policy",
        entity_id=policy.id,
        before=before,
        after={
            "requester_department_id": requester_id,
            "provider_department_id": provider_id,
            "due_minutes": due_minutes,
            "grace_minutes": grace_minutes,
        },
    )
    return policy


def _department(department_id: int | None) -> Department:
    department = db.session.get(Department, department_id) if department_id else None
    if department is None or not department.is_active:
        raise Invalid("provider_department")
    return department


# ---- the steps -------------------------------------------------------------------------------


def _text(value: str | None, limit: int, code: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(code)
    if len(value) > limit:
        raise Invalid(code)
    return value


def request_handoff(
    *,
    actor: User,
    provider_department_id: int,
    ask: str,
    why: str = "",
    case: Case | None = None,
    provider_user_id: int | None = None,
    due_at: datetime | None = None,
    now: datetime | None = None,
) -> Handoff:
    """The actor's department asks another for something, on `case` or on its own. Without a
    due time, the pair's policy gives one in business time. Raises NotAllowed, Invalid
    ("to_itself", "ask", "provider_department", "provider_user", "due_in_past")."""
    now = now or utcnow()
    if not access.can_request_handoff(actor, case):
        raise NotAllowed("request_handoff")
    provider = _department(provider_department_id)
    if provider.id == actor.department_id:
        raise Invalid("to_itself")
    ask = _text(ask, ASK_MAX, "ask", required=True)
    why = _text(why, ASK_MAX, "why", required=False)
    if provider_user_id:
        person = db.session.get(User, provider_user_id)
        if person is None or not person.is_active or person.department_id != provider.id:
            raise Invalid("provider_user")
    if due_at is None:
        due_minutes, _grace = policy_for(actor.department_id, provider.id)
        due_at = add_business_minutes(now, due_minutes)
    elif due_at <= now:
        raise Invalid("due_in_past")
    handoff = Handoff(
        case_id=case.id if case is not None else None,
        requester_department_id=actor.department_id,
        provider_department_id=provider.id,
        requested_by_id=actor.id,
        provider_user_id=provider_user_id or None,
        ask=ask,
        why=why,
        status="requested",
        requested_at=now,
        due_at=due_at,
        updated_at=now,
    )
    db.session.add(handoff)
    db.session.flush()
    record(
        "handoff.requested",
        actor=actor,
        entity_type="handoff",
        entity_id=handoff.id,
        case_id=handoff.case_id,
        after={
            "requester_department_id": handoff.requester_department_id,
            "provider_department_id": provider.id,
            "due_at": due_at,
        },
    )
    events.handoff_requested.send(handoff, actor=actor)
    return handoff


def _check_step(handoff: Handoff, actor: User, action: str, expected_version: int) -> None:
    step = STEPS.get(action)
    if step is None:
        raise Invalid("action")
    if handoff.version != expected_version:
        raise HandoffConflict(handoff)
    if step.side not in access.handoff_sides(actor, handoff):
        raise NotAllowed(f"handoff_{action}")
    if handoff.status not in step.sources:
        # Someone else moved it on (declined, cancelled, answered) since the page was built.
        raise HandoffConflict(handoff)


def take_step(
    handoff: Handoff,
    *,
    actor: User,
    action: str,
    expected_version: int,
    body: str = "",
    now: datetime | None = None,
) -> Handoff:
    """accept, decline (with the reason), answer (with the answer), send_back (with what is
    still missing: a bounce), cancel. Confirming has its own service (confirm_handoff)."""
    if action == "confirm":
        raise Invalid("action")
    _check_step(handoff, actor, action, expected_version)
    step = STEPS[action]
    now = now or utcnow()
    body = _text(body, MESSAGE_MAX, "body", required=step.needs_body)
    before = handoff.status
    waited = business_minutes_between(_last_step_at(handoff), now)
    if action == "accept" or (action == "answer" and handoff.accepted_at is None):
        handoff.accepted_at = now
        handoff.accept_minutes = business_minutes_between(handoff.requested_at, now)
    if action == "answer":
        handoff.first_answered_at = handoff.first_answered_at or now
        handoff.answered_at = now
    if action == "send_back":
        handoff.bounces += 1
    if action in ("decline", "cancel"):
        handoff.closed_at = now
    handoff.status = step.target
    handoff.updated_at = now
    message = None
    if body:
        message = HandoffMessage(
            handoff_id=handoff.id,
            author_id=actor.id,
            side=step.side,
            kind=action if action in ("decline", "answer", "send_back") else "message",
            body=body,
            created_at=now,
        )
        db.session.add(message)
    _flush_step(handoff)
    _record_hop(handoff, actor, action, before, waited)
    events.handoff_stepped.send(handoff, actor=actor, action=action, before=before, message=message)
    return handoff


def confirm_handoff(
    handoff: Handoff,
    *,
    actor: User,
    expected_version: int,
    usefulness: int,
    speed: int,
    comment: str = "",
    thanks: str = "",
    now: datetime | None = None,
) -> Handoff:
    """The asking side takes the answer: rates it 1-5 on usefulness and on speed, with an
    optional comment and an optional thank-you to the people who answered."""
    _check_step(handoff, actor, "confirm", expected_version)
    if usefulness not in RATINGS or speed not in RATINGS:
        raise Invalid("rating")
    comment = _text(comment, COMMENT_MAX, "comment", required=False)
    thanks = _text(thanks, COMMENT_MAX, "thanks", required=False)
    now = now or utcnow()
    before = handoff.status
    waited = business_minutes_between(_last_step_at(handoff), now)
    handoff.usefulness, handoff.speed = usefulness, speed
    handoff.rating_comment, handoff.thanks = comment, thanks
    handoff.turnaround_minutes = business_minutes_between(handoff.requested_at, handoff.answered_at)
    handoff.answered_late = handoff.answered_at > handoff.due_at
    handoff.status = "confirmed"
    handoff.closed_at = handoff.updated_at = now
    message = None
    if comment:
        message = HandoffMessage(
            handoff_id=handoff.id,
            author_id=actor.id,
            side=REQUESTER,
            kind="confirm",
            body=comment,
            created_at=now,
        )
        db.session.add(message)
    _flush_step(handoff)
    _record_hop(
        handoff,
        actor,
        "confirm",
        before,
        waited,
        extra={"usefulness": usefulness, "speed": speed, "thanked": bool(thanks)},
    )
    events.handoff_stepped.send(
        handoff, actor=actor, action="confirm", before=before, message=message
    )
    return handoff


def post_message(handoff: Handoff, *, actor: User, body: str) -> HandoffMessage:
    """A message from one side to the other while the handoff is open."""
    if not access.can_message_handoff(actor, handoff):
        raise NotAllowed("handoff_message") if handoff.is_open else Conflict("handoff_closed")
    body = _text(body, MESSAGE_MAX, "body", required=True)
    sides = access.handoff_sides(actor, handoff)
    message = HandoffMessage(
        handoff_id=handoff.id,
        author_id=actor.id,
        side=PROVIDER if PROVIDER in sides and REQUESTER not in sides else REQUESTER,
        kind="message",
        body=body,
        created_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    record(
        "handoff.message",
        actor=actor,
        entity_type="handoff",
        entity_id=handoff.id,
        case_id=handoff.case_id,
    )
    return message


def _flush_step(handoff: Handoff) -> None:
    """Write the step; another person's step committed meanwhile (the version column no longer
    matches) is a HandoffConflict, as when it was seen before."""
    try:
        db.session.flush()
    except StaleDataError:
        raise HandoffConflict(handoff) from None


def _last_step_at(handoff: Handoff) -> datetime:
    """When the handoff last changed hands (the wait a hop on the timeline shows)."""
    return handoff.updated_at or handoff.requested_at


def _record_hop(
    handoff: Handoff,
    actor: User,
    action: str,
    before: str,
    waited: int,
    *,
    extra: dict | None = None,
) -> None:
    record(
        f"handoff.{action}",
        actor=actor,
        entity_type="handoff",
        entity_id=handoff.id,
        case_id=handoff.case_id,
        before={"status": before},
        after={
            "status": handoff.status,
            "requester_department_id": handoff.requester_department_id,
            "provider_department_id": handoff.provider_department_id,
            "waited_minutes": waited,
        }
        | (extra or {}),
    )


# ---- the clock -------------------------------------------------------------------------------


def tick(now: datetime) -> dict[str, int]:
    """Stamp the handoffs that waited for their provider past the due time (overdue) and past
    the pair's grace as well (stalled), once each; observers notify and escalate."""
    overdue = list(
        db.session.scalars(
            select(Handoff).where(
                Handoff.status.in_(WAITING_FOR_PROVIDER),
                Handoff.overdue_at.is_(None),
                Handoff.due_at < now,
            )
        )
    )
    for handoff in overdue:
        handoff.overdue_at = now
        db.session.flush()
        events.handoff_overdue.send(handoff)
    stalled = 0
    candidates = db.session.scalars(
        select(Handoff).where(
            Handoff.status.in_(WAITING_FOR_PROVIDER),
            Handoff.overdue_at.is_not(None),
            Handoff.stalled_at.is_(None),
        )
    )
    for handoff in candidates:
        _due, grace = policy_for(handoff.requester_department_id, handoff.provider_department_id)
        if add_business_minutes(handoff.due_at, grace) < now:
            handoff.stalled_at = now
            db.session.flush()
            events.handoff_stalled.send(handoff)
            stalled += 1
    return {"overdue": len(overdue), "stalled": stalled}
