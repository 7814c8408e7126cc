"""Raising, deciding and closing escalations. Services take the acting user and never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from relq import events
from relq.audit.services import record
from relq.cases.models import Case
from relq.db import db, utcnow
from relq.escalations.models import REASONS, Escalation


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
    existing = (
        select(Escalation.id).where(Escalation.case_id == case.id, Escalation.reason == reason)
        if case is not None
        else select(Escalation.id).where(Escalation.surge_alert_id == surge_alert_id)
    )
    if db.session.scalar(existing) is not None:
        return None
    escalation = Escalation(
        case_id=case.id if case is not None else None,
        surge_alert_id=surge_alert_id,
        reason=reason,
        level=REASONS[reason].level,
        department_id=case.responsible_department_id if case is not None else None,
        detail=detail[:300],
        opened_at=now or utcnow(),
    )
    db.session.add(escalation)
    db.session.flush()
    record(
        "escalation.opened",
        actor=None,
        entity_type="escalation",
        entity_id=escalation.id,
        case_id=escalation.case_id,
        after={"reason": reason, "level": escalation.level, "detail": escalation.detail},
    )
    events.escalation_opened.send(case, escalation=escalation)
    return escalation
