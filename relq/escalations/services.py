"""Raising, deciding and closing escalations. Services take the acting user and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select, text, update
from sqlalchemy import case as sql_case
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload, make_transient_to_detached

from relq import access, events
from relq.audit.services import apply_changes, record
from relq.cases.models import Case
from relq.db import db, utcnow
from relq.errors import CodedError, Conflict, NotFound
from relq.escalations.models import AGES, OUTCOMES, REASONS, Escalation, EscalationComment
from relq.handoffs.models import Handoff
from relq.handoffs.services import visible_handoffs
from relq.org.models import User
from relq.themes.models import SurgeAlert

_dialect_insert = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}


def raise_escalation(
    case: Case | None,
    reason: str,
    *,
    detail: str = "",
    surge_alert_id: int | None = None,
    handoff: Handoff | None = None,
    now: datetime | None = None,
) -> Escalation | None:
    """Open an escalation for `case` (or a surge alert, or a handoff) and `reason`, unless one
    was already raised for them (open or closed): returns the new escalation, or None."""
    if reason not in REASONS:
        raise ValueError(reason)
    if case is not None:
        department_id = case.responsible_department_id
    elif handoff is not None:
        department_id = handoff.provider_department_id
    else:
        department_id = None
    values = {
        "case_id": case.id if case is not None else None,
        "surge_alert_id": surge_alert_id,
        "handoff_id": handoff.id if handoff is not None else None,
        "reason": reason,
        "level": REASONS[reason].level,
        "department_id": department_id,
        "detail": detail[:300],
        "opened_at": now or utcnow(),
        "decision": "",
    }
    # One statement: the unique indexes say whether it was raised already (no row comes back
    # then). It needs none of the rows other receivers left pending (a tick's burst of
    # notifications): they go in one batch at the next flush instead of one by one here.
    if case is not None:
        target, where = ["case_id", "reason"], "case_id IS NOT NULL"
    elif handoff is not None:
        target, where = ["handoff_id"], "handoff_id IS NOT NULL"
    else:
        target, where = ["surge_alert_id"], "surge_alert_id IS NOT NULL"
    statement = (
        _dialect_insert[db.session.get_bind().dialect.name](Escalation)
        .values(**values)
        .on_conflict_do_nothing(index_elements=target, index_where=text(where))
    )
    with db.session.no_autoflush:
        escalation_id = db.session.execute(statement.returning(Escalation.id)).scalar()
    if escalation_id is None:
        return None
    # The row as inserted, made persistent without reading it back.
    escalation = Escalation(id=escalation_id, **values)
    make_transient_to_detached(escalation)
    db.session.add(escalation)
    record(
        "escalation.opened",
        actor=None,
        entity_type="escalation",
        entity_id=escalation.id,
        case_id=escalation.case_id,
        after={"trigger": reason, "level": escalation.level, "detail": escalation.detail},
    )
    events.escalation_opened.send(case, escalation=escalation)
    return escalation


def raise_stalled_handoff(handoff: Handoff, *, now: datetime | None = None) -> Escalation | None:
    """A handoff that waited for its provider past its due time and the pair's grace: one
    department-level escalation, raised to the leads of both departments (once per handoff,
    however many clocks tick: the unique index says no to the second). Returns it, or None."""
    return raise_escalation(
        None, "stalled_handoff", handoff=handoff, detail=handoff.ref, now=now or handoff.stalled_at
    )


class EscalationError(CodedError):
    """A refused change; `code` names what was wrong (views show a translated message)."""


def check_safety(case: Case, texts: list[str], *, now: datetime | None = None):
    """A product-safety escalation when `texts` (the case's or a note's) hold safety words."""
    from relq.escalations.triggers import safety_words_in

    if case.kind == "compliment":
        return None  # "no burns at all, thank you" is not an incident
    words = safety_words_in(*texts)
    if not words:
        return None
    return raise_escalation(case, "safety", detail="、".join(words), now=now)


def check_case(
    case: Case,
    *,
    texts_changed: bool = True,
    repeat_possible: bool = True,
    now: datetime | None = None,
) -> list:
    """Raise what the case itself warrants: severity 1, safety words in the customer's words,
    a repeat customer (unless `repeat_possible` is False: a customer without earlier cases).
    Returns the new escalations. (Observations are checked as they are added, by
    `check_safety` on the note.)"""
    from relq.escalations.triggers import REPEAT_CUSTOMER

    raised = []
    if case.severity == 1:
        raised.append(raise_escalation(case, "severity", now=now))
    if texts_changed:
        raised.append(
            check_safety(case, [case.subject, case.customer_words, case.remedy_requested], now=now)
        )
    if repeat_possible and case.customer_id is not None:
        since = case.received_at - timedelta(days=REPEAT_CUSTOMER.days)
        count = db.session.scalar(
            select(func.count(Case.id)).where(
                Case.customer_id == case.customer_id,
                Case.received_at > since,
                Case.received_at <= case.received_at,
            )
        )
        # One open escalation per customer is enough: the next case joins it, not a new one.
        if count >= REPEAT_CUSTOMER.cases and not _repeat_escalation_open(case.customer_id):
            raised.append(
                raise_escalation(
                    case,
                    "repeat_customer",
                    detail=str(count),
                    now=now,
                )
            )
    return [e for e in raised if e is not None]


def _repeat_escalation_open(customer_id: int) -> bool:
    return (
        db.session.scalar(
            select(Escalation.id)
            .join(Case, Case.id == Escalation.case_id)
            .where(
                Case.customer_id == customer_id,
                Escalation.reason == "repeat_customer",
                Escalation.closed_at.is_(None),
            )
            .limit(1)
        )
        is not None
    )


def visible_escalations(user: User) -> Select:
    return select(Escalation).where(access.escalation_scope(user))


def get_escalation_or_404(escalation_id: int, user: User) -> Escalation:
    escalation = db.session.scalar(visible_escalations(user).where(Escalation.id == escalation_id))
    if escalation is None:
        raise NotFound("escalation")
    return escalation


@dataclass
class BoardFilters:
    state: str = "open"  # open | closed | all
    level: int | None = None
    reason: str = ""
    department_id: int | None = None
    age: str = ""  # an AGES key


@dataclass
class BoardRow:
    """One row of the board: a case with all its escalations (or a surge, alone)."""

    key: str
    case_id: int | None
    escalations: list[Escalation]

    @property
    def level(self) -> int:
        return max(e.level for e in self.escalations)

    @property
    def first_opened_at(self) -> datetime:
        return min(e.opened_at for e in self.escalations)

    @property
    def last_opened_at(self) -> datetime:
        return max(e.opened_at for e in self.escalations)

    @property
    def closed_at(self) -> datetime | None:
        closed = [e.closed_at for e in self.escalations if e.closed_at is not None]
        return max(closed) if closed else None

    @property
    def open_escalations(self) -> list[Escalation]:
        return [e for e in self.escalations if e.closed_at is None]

    @property
    def department(self):
        return next((e.department for e in self.escalations if e.department), None)

    @property
    def owners(self) -> list[User]:
        found: dict[int, User] = {}
        for e in self.open_escalations or self.escalations:
            if e.owner is not None:
                found.setdefault(e.owner.id, e.owner)
        return list(found.values())

    @property
    def ids(self) -> str:
        """The ids the row's checkbox carries: exactly the open escalations it shows, so a
        decision never closes one raised after the page was drawn."""
        return ",".join(str(e.id) for e in self.open_escalations)


_REASON_ORDER = {code: position for position, code in enumerate(REASONS)}
# A case's escalations are one row; a surge (no case) is a row of its own.
_SUBJECT = func.coalesce(Escalation.case_id, -Escalation.id)


def _board_where(user: User, filters: BoardFilters) -> list:
    where = [access.escalation_scope(user)]
    if filters.state == "open":
        where.append(Escalation.closed_at.is_(None))
    elif filters.state == "closed":
        where.append(Escalation.closed_at.is_not(None))
    if filters.department_id:
        # A department's escalations: those it owns, and the stalled handoffs it asked for
        # (they concern both sides, as Escalation.department_ids says).
        where.append(
            or_(
                Escalation.department_id == filters.department_id,
                Escalation.handoff_id.in_(
                    select(Handoff.id).where(
                        Handoff.requester_department_id == filters.department_id
                    )
                ),
            )
        )
    return where


def board_rows(user: User, filters: BoardFilters, now: datetime | None = None) -> Select:
    """The board's rows as (subject, level, newest) groups: one per case (a surge alone), the
    most severe first, then the newest. A row's level is its highest; the reason filter keeps
    the rows that have that reason among others; the age filter reads how long the row has
    been escalated (its first escalation)."""
    now = now or utcnow()
    level = func.max(Escalation.level)
    newest, first = func.max(Escalation.opened_at), func.min(Escalation.opened_at)
    query = (
        select(_SUBJECT.label("subject"), level.label("level"), newest.label("newest"))
        .where(*_board_where(user, filters))
        .group_by(_SUBJECT)
    )
    if filters.level:
        query = query.having(level == filters.level)
    if filters.reason:
        query = query.having(
            func.max(sql_case((Escalation.reason == filters.reason, 1), else_=0)) == 1
        )
    if filters.age in AGES:
        _label, since_days, until_days = AGES[filters.age]
        query = query.having(first <= now - timedelta(days=since_days))
        if until_days is not None:
            query = query.having(first > now - timedelta(days=until_days))
    if filters.state == "closed":
        return query.order_by(func.max(Escalation.closed_at).desc(), _SUBJECT.desc())
    if filters.state == "all":
        return query.order_by(newest.desc(), _SUBJECT.desc())
    return query.order_by(level.desc(), newest.desc(), _SUBJECT.desc())


def count_rows(user: User, filters: BoardFilters) -> int:
    groups = board_rows(user, filters).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(groups))


def board(
    user: User, filters: BoardFilters, *, limit: int, offset: int = 0
) -> tuple[list[BoardRow], bool]:
    """A page of the board: its rows (each with the escalations it holds under the filters'
    state and department, the most severe first), and whether another page follows."""
    groups = db.session.execute(board_rows(user, filters).limit(limit + 1).offset(offset)).all()
    has_next, groups = len(groups) > limit, groups[:limit]
    subjects = [g.subject for g in groups]
    case_ids = [s for s in subjects if s > 0]
    escalation_ids = [-s for s in subjects if s < 0]
    found: dict[int, list[Escalation]] = {s: [] for s in subjects}
    if subjects:
        escalations = db.session.scalars(
            select(Escalation)
            .options(joinedload(Escalation.owner))
            .where(
                *_board_where(user, filters),
                or_(Escalation.case_id.in_(case_ids), Escalation.id.in_(escalation_ids)),
            )
        )
        for e in escalations:
            found[e.case_id if e.case_id is not None else -e.id].append(e)
    rows = []
    for subject in subjects:
        held = sorted(
            found[subject],
            key=lambda e: (-e.level, _REASON_ORDER[e.reason], e.opened_at, e.id),
        )
        key = f"case-{subject}" if subject > 0 else f"escalation-{-subject}"
        rows.append(BoardRow(key=key, case_id=subject if subject > 0 else None, escalations=held))
    return rows, has_next


def open_counts(user: User) -> dict[tuple[str, int], int]:
    """Open escalations per (reason, level), for the board's summary."""
    rows = db.session.execute(
        select(Escalation.reason, Escalation.level, func.count(Escalation.id))
        .where(access.escalation_scope(user), Escalation.closed_at.is_(None))
        .group_by(Escalation.reason, Escalation.level)
    )
    return {(reason, level): count for reason, level, count in rows}


def comment_on(escalation: Escalation, *, actor: User, body: str) -> EscalationComment:
    """Add a comment. Raises EscalationError("not_allowed") or ("body")."""
    if not access.can_comment_escalation(actor, escalation):
        raise EscalationError("not_allowed")
    body = (body or "").strip()
    if not body:
        raise EscalationError("body")
    comment = EscalationComment(
        escalation_id=escalation.id, author_id=actor.id, body=body, created_at=utcnow()
    )
    db.session.add(comment)
    db.session.flush()
    record(
        "escalation.commented",
        actor=actor,
        entity_type="escalation",
        entity_id=escalation.id,
        case_id=escalation.case_id,
    )
    return comment


def close_escalation(
    escalation: Escalation,
    *,
    actor: User,
    outcome: str,
    decision: str,
    now: datetime | None = None,
) -> Escalation:
    """Record the decision (経営判断) and close. Raises EscalationError("not_allowed"),
    ("outcome") for an unknown outcome, ("decision") when no decision is written."""
    if not access.can_decide_escalation(actor, escalation):
        raise EscalationError("not_allowed")
    if outcome not in OUTCOMES:
        raise EscalationError("outcome")
    decision = (decision or "").strip()
    if not decision:
        raise EscalationError("decision")
    now = now or utcnow()
    apply_changes(
        escalation,
        {"closed_at": now, "closed_by_id": actor.id, "outcome": outcome, "decision": decision},
        action="escalation.closed",
        actor=actor,
        entity_type="escalation",
        case_id=escalation.case_id,
    )
    db.session.add(
        EscalationComment(
            escalation_id=escalation.id,
            author_id=actor.id,
            body=decision,
            is_decision=True,
            created_at=now,
        )
    )
    db.session.flush()
    case = db.session.get(Case, escalation.case_id) if escalation.case_id else None
    events.escalation_closed.send(case, escalation=escalation, actor=actor)
    return escalation


def _selected(ids: list[int], user: User) -> list[Escalation]:
    """The escalations `ids` as `user` may see them, all still open, in id order. Raises
    NotFound when one is outside their scope (or does not exist), Conflict when one was
    closed meanwhile."""
    wanted = sorted(set(ids))
    if not wanted:
        raise EscalationError("none_selected")
    found = list(
        db.session.scalars(
            visible_escalations(user)
            .where(Escalation.id.in_(wanted))
            .order_by(Escalation.id)
            .with_for_update(of=Escalation)
        )
    )
    if len(found) != len(wanted):
        raise NotFound("escalation")
    if any(not e.is_open for e in found):
        raise Conflict("escalation_closed")
    return found


def close_escalations(
    ids: list[int], *, actor: User, outcome: str, decision: str
) -> list[Escalation]:
    """Close the escalations `ids` with one decision: each gets it (and its own audit event),
    or none does. Raises EscalationError("none_selected"), NotFound (one outside the actor's
    scope), Conflict (one closed meanwhile), EscalationError("not_allowed") when the actor may
    not decide one of them, ("outcome"), ("decision")."""
    selected = _selected(ids, actor)
    if not all(access.can_decide_escalation(actor, e) for e in selected):
        raise EscalationError("not_allowed")
    now = utcnow()
    for escalation in selected:
        close_escalation(escalation, actor=actor, outcome=outcome, decision=decision, now=now)
    return selected


def assign_owners(ids: list[int], *, actor: User, owner_id: int | None) -> list[Escalation]:
    """Give the escalations `ids` one owner (or none; `owner_id` = actor.id: take them), each
    change audited, all or none. Raises what `_selected` and `assign_owner` raise."""
    selected = _selected(ids, actor)
    if not all(access.can_comment_escalation(actor, e) for e in selected):
        raise EscalationError("not_allowed")
    for escalation in selected:
        assign_owner(escalation, actor=actor, owner_id=owner_id)
    return selected


def owner_candidates(user: User) -> list[User]:
    """Who `user` may give escalations on the board to: the executives, and the leads (of
    their own department, for a lead). Each escalation still checks its own choices."""
    leads = User.role == "lead"
    if user.role == "lead":
        leads = and_(leads, User.department_id == user.department_id)
    return list(
        db.session.scalars(
            select(User)
            .where(User.is_active.is_(True), or_(User.role == "executive", leads))
            .order_by(User.role.desc(), User.name)
        )
    )


def owner_choices(escalation: Escalation) -> list[User]:
    """Who may own it: the executives, and the leads of the departments concerned (both
    departments of a stalled handoff)."""
    condition = User.role == "executive"
    if escalation.department_ids:
        condition = or_(
            condition,
            and_(User.role == "lead", User.department_id.in_(escalation.department_ids)),
        )
    return list(
        db.session.scalars(
            select(User).where(User.is_active.is_(True), condition).order_by(User.name)
        )
    )


def assign_owner(escalation: Escalation, *, actor: User, owner_id: int | None) -> Escalation:
    """Give the escalation an owner (or none). Raises EscalationError("not_allowed") or
    ("owner") for someone outside `owner_choices`."""
    if not access.can_comment_escalation(actor, escalation):
        raise EscalationError("not_allowed")
    if owner_id is not None and owner_id not in {u.id for u in owner_choices(escalation)}:
        raise EscalationError("owner")
    apply_changes(
        escalation,
        {"owner_id": owner_id},
        action="escalation.assigned",
        actor=actor,
        entity_type="escalation",
        case_id=escalation.case_id,
    )
    return escalation


def raise_stale_to_management(now: datetime) -> int:
    """Department-level escalations open longer than RAISE_TO_MANAGEMENT_AFTER_DAYS rise to
    management (level 2), once. Returns how many rose."""
    from relq.escalations.triggers import RAISE_TO_MANAGEMENT_AFTER_DAYS

    stale = db.session.scalars(
        select(Escalation).where(
            Escalation.closed_at.is_(None),
            Escalation.level == 1,
            Escalation.opened_at < now - timedelta(days=RAISE_TO_MANAGEMENT_AFTER_DAYS),
        )
    ).all()
    for escalation in stale:
        apply_changes(
            escalation,
            {"level": 2},
            action="escalation.raised",
            actor=None,
            entity_type="escalation",
            case_id=escalation.case_id,
        )
    return len(stale)


def tick(now: datetime) -> dict[str, int]:
    """Periodic: raise stale department-level escalations to management. (Missed deadlines
    and surges raise theirs through events as the deadlines step and surge detection run.)"""
    return {"raised_to_management": raise_stale_to_management(now)}


def escalations_of(case_id: int) -> list[Escalation]:
    return list(
        db.session.scalars(
            select(Escalation)
            .where(Escalation.case_id == case_id)
            .order_by(Escalation.closed_at.is_not(None), Escalation.opened_at.desc())
        )
    )


@dataclass
class Subjects:
    """What a list of escalations is about: the cases `user` may see (a lead sees the
    escalations of their department, even when its case was rerouted away), the surge alerts,
    and the stalled handoffs `user` may open (through relq.handoffs' door)."""

    cases: dict[int, Case]
    alerts: dict[int, SurgeAlert]
    handoffs: dict[int, Handoff]


def subjects_of(escalations: list[Escalation], user: User) -> Subjects:
    case_ids = {e.case_id for e in escalations if e.case_id}
    alert_ids = {e.surge_alert_id for e in escalations if e.surge_alert_id}
    handoff_ids = {e.handoff_id for e in escalations if e.handoff_id}
    cases = {
        c.id: c for c in db.session.scalars(access.visible_cases(user).where(Case.id.in_(case_ids)))
    }
    alerts = {}
    if alert_ids:
        alerts = {
            a.id: a
            for a in db.session.scalars(select(SurgeAlert).where(SurgeAlert.id.in_(alert_ids)))
        }
    handoffs = {}
    if handoff_ids:
        handoffs = {
            h.id: h
            for h in db.session.scalars(visible_handoffs(user).where(Handoff.id.in_(handoff_ids)))
        }
    return Subjects(cases, alerts, handoffs)


def comments_of(escalation: Escalation) -> list[EscalationComment]:
    return list(
        db.session.scalars(
            select(EscalationComment)
            .where(EscalationComment.escalation_id == escalation.id)
            .order_by(EscalationComment.created_at, EscalationComment.id)
        )
    )


def follow_department(case: Case) -> None:
    """The case's open escalations belong to the department that now owns the case."""
    db.session.execute(
        update(Escalation)
        .where(Escalation.case_id == case.id, Escalation.closed_at.is_(None))
        .values(department_id=case.responsible_department_id)
    )
