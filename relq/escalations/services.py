"""Raising, deciding and closing escalations. Services take the acting user and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort
from sqlalchemy import Select, and_, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import make_transient_to_detached

from relq import access, events
from relq.audit.services import apply_changes, record
from relq.cases.models import Case
from relq.db import db, utcnow
from relq.errors import CodedError
from relq.escalations.models import OUTCOMES, REASONS, Escalation, EscalationComment
from relq.org.models import User
from relq.themes.models import SurgeAlert

_dialect_insert = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}


def raise_escalation(
    case: Case | None,
    reason: str,
    *,
    detail: str = "",
    surge_alert_id: int | None = None,
    now: datetime | None = None,
) -> Escalation | None:
    """Open an escalation for `case` (or a surge alert) and `reason`, unless one was already
    raised for them (open or closed): returns the new escalation, or None."""
    if reason not in REASONS:
        raise ValueError(reason)
    values = {
        "case_id": case.id if case is not None else None,
        "surge_alert_id": surge_alert_id,
        "reason": reason,
        "level": REASONS[reason].level,
        "department_id": case.responsible_department_id if case is not None else None,
        "detail": detail[:300],
        "opened_at": now or utcnow(),
        "decision": "",
    }
    # One statement: the unique indexes say whether it was raised already (no row comes back
    # then). It needs none of the rows other receivers left pending (a tick's burst of
    # notifications): they go in one batch at the next flush instead of one by one here.
    if case is not None:
        target, where = ["case_id", "reason"], "case_id IS NOT NULL"
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
        abort(404)
    return escalation


@dataclass
class BoardFilters:
    state: str = "open"  # open | closed | all
    level: int | None = None
    reason: str = ""
    department_id: int | None = None


def board(user: User, filters: BoardFilters) -> Select:
    """The escalations `user` may see, highest level first, then oldest first (open), or most
    recently closed first."""
    query = visible_escalations(user)
    if filters.state == "open":
        query = query.where(Escalation.closed_at.is_(None)).order_by(
            Escalation.level.desc(), Escalation.opened_at, Escalation.id
        )
    elif filters.state == "closed":
        query = query.where(Escalation.closed_at.is_not(None)).order_by(
            Escalation.closed_at.desc(), Escalation.id.desc()
        )
    else:
        query = query.order_by(Escalation.opened_at.desc(), Escalation.id.desc())
    if filters.level:
        query = query.where(Escalation.level == filters.level)
    if filters.reason:
        query = query.where(Escalation.reason == filters.reason)
    if filters.department_id:
        query = query.where(Escalation.department_id == filters.department_id)
    return query


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
    escalation: Escalation, *, actor: User, outcome: str, decision: str
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
    now = utcnow()
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


def owner_choices(escalation: Escalation) -> list[User]:
    """Who may own it: the executives, and the leads of the department concerned."""
    condition = User.role == "executive"
    if escalation.department_id is not None:
        condition = or_(
            condition,
            and_(User.role == "lead", User.department_id == escalation.department_id),
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


def subjects_of(
    escalations: list[Escalation], user: User
) -> tuple[dict[int, Case], dict[int, SurgeAlert]]:
    """The cases (only those `user` may see: a lead sees the escalations of their department,
    even when its case was rerouted away) and the surge alerts the escalations are about."""
    case_ids = {e.case_id for e in escalations if e.case_id}
    alert_ids = {e.surge_alert_id for e in escalations if e.surge_alert_id}
    cases = {
        c.id: c for c in db.session.scalars(access.visible_cases(user).where(Case.id.in_(case_ids)))
    }
    alerts = {
        a.id: a for a in db.session.scalars(select(SurgeAlert).where(SurgeAlert.id.in_(alert_ids)))
    }
    return cases, alerts


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
