"""A lead answers a case (`answer_case`), and what the front line reads of the answers."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, func, select

from relq import access, events
from relq.access import visible_cases
from relq.answers.models import DepartmentAnswer
from relq.cases.models import TRANSITIONS, Case
from relq.cases.services import MissingInput, apply_transition, check_transition
from relq.db import db, utcnow
from relq.deadlines.calendar import OFFICE_TZ
from relq.errors import Invalid
from relq.org.models import User

# Each answer and the lifecycle transition that carries it (relq.cases.models.TRANSITIONS).
ACTION_OF_ANSWER = {t.answer: t.action for t in TRANSITIONS.values() if t.answer}


def answer_case(
    case: Case,
    *,
    actor: User,
    answer: str,
    expected_version: int,
    body: str = "",
    planned_for: date | None = None,
) -> DepartmentAnswer:
    """The owning department's lead answers the front line: 受領 ("acknowledged"), 対応予定
    ("planned", by a date from today on, in the office's calendar), 対応済 ("done", saying
    what was done) or 対応しない ("declined", saying why: the case goes back to the front
    line). Moves the case along the answer's transition, writes the answer, and announces
    both (case_transitioned, then case_answered) to the observers: clocks, escalations,
    notifications. Raises Invalid for an unknown answer, NotAllowed if `actor` may not
    answer for the case, IllegalTransition if its status allows no such answer,
    MissingInput ("reason", "planned_for", "planned_for_past"), EditConflict for a stale
    page."""
    action = ACTION_OF_ANSWER.get(answer)
    if action is None:
        raise Invalid("unknown_answer")
    check_transition(case, actor=actor, action=action, expected_version=expected_version)
    if planned_for is not None and planned_for < utcnow().astimezone(OFFICE_TZ).date():
        raise MissingInput("planned_for_past")
    department_id = case.responsible_department_id  # the department answering, before 対応しない
    apply_transition(case, action, actor=actor, reason=body, planned_for=planned_for)
    row = DepartmentAnswer(
        case_id=case.id,
        department_id=department_id,
        answer=answer,
        planned_for=planned_for if answer == "planned" else None,
        body=(body or "").strip(),
        answered_by_id=actor.id,
        answered_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    events.case_answered.send(case, actor=actor, answer=row)
    return row


def answers_of(case_id: int) -> list[DepartmentAnswer]:
    """The case's answers, newest first."""
    return list(
        db.session.scalars(
            select(DepartmentAnswer)
            .where(DepartmentAnswer.case_id == case_id)
            .order_by(DepartmentAnswer.answered_at.desc(), DepartmentAnswer.id.desc())
        )
    )


INBOX_VIEWS = ("waiting", "working", "answered")


def inbox(user: User, view: str) -> Select:
    """The lead's inbox, always within `visible_cases(user)`: cases routed to their department
    that wait for its answer ("waiting"), that it has taken up ("working"), or its answers of
    the last 30 days ("answered")."""
    department = Case.responsible_department_id == user.department_id
    query = visible_cases(user).where(department)
    if view == "waiting":
        return query.where(Case.status == "routed").order_by(Case.severity, Case.received_at)
    if view == "working":
        return query.where(
            Case.status.in_(("acknowledged", "in_progress", "awaiting_customer"))
        ).order_by(Case.severity, Case.received_at)
    since = utcnow() - timedelta(days=30)
    answered = (
        select(DepartmentAnswer.case_id)
        .where(
            DepartmentAnswer.department_id == user.department_id,
            DepartmentAnswer.answered_at >= since,
        )
        .scalar_subquery()
    )
    return (
        visible_cases(user)
        .where(Case.id.in_(answered))
        .order_by(Case.updated_at.desc(), Case.id.desc())
    )


def count_of(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def inbox_counts(user: User) -> dict[str, int]:
    return {view: count_of(inbox(user, view)) for view in INBOX_VIEWS}


def waiting_count(user: User) -> int:
    """How many cases wait for the answer of `user`'s department (the menu's badge)."""
    return count_of(inbox(user, "waiting")) if access.can_read_inbox(user) else 0


def latest_answers(case_ids: list[int]) -> dict[int, DepartmentAnswer]:
    """Each case's newest answer."""
    if not case_ids:
        return {}
    newest = (
        select(func.max(DepartmentAnswer.id))
        .where(DepartmentAnswer.case_id.in_(case_ids))
        .group_by(DepartmentAnswer.case_id)
    )
    rows = db.session.scalars(select(DepartmentAnswer).where(DepartmentAnswer.id.in_(newest)))
    return {row.case_id: row for row in rows}


def answers_for_front_line(user: User, *, mine_only: bool, limit: int, offset: int = 0):
    """The answers departments gave on cases `user` can see (the ones they logged, if
    `mine_only`), newest first: the front line's view of the loop closing."""
    query = (
        select(DepartmentAnswer, Case)
        .join(Case, Case.id == DepartmentAnswer.case_id)
        .where(access.case_scope(user))
        .order_by(DepartmentAnswer.answered_at.desc(), DepartmentAnswer.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if mine_only:
        query = query.where(Case.created_by_id == user.id)
    return db.session.execute(query).all()
