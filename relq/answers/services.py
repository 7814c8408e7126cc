"""The owning department's answers, and what the front line reads of them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from relq import events
from relq.answers.models import DepartmentAnswer
from relq.cases.models import TRANSITIONS, Case
from relq.db import db, utcnow
from relq.org.models import User


def record_answer(
    case: Case, *, actor: User | None, action: str, reason: str, planned_for: date | None
) -> DepartmentAnswer | None:
    """Write the answer a lifecycle transition carries (None for other transitions)."""
    answer = TRANSITIONS[action].answer
    if answer is None or case.responsible_department_id is None:
        return None
    row = DepartmentAnswer(
        case_id=case.id,
        department_id=case.responsible_department_id,
        answer=answer,
        planned_for=planned_for if answer == "planned" else None,
        body=reason,
        answered_by_id=actor.id if actor is not None else None,
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
