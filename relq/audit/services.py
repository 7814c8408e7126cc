"""Recording audit events. Every service that changes something calls `record` once per change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from relq.audit.models import AuditEvent
from relq.cases.models import Case
from relq.db import db
from relq.org.models import User


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def record(
    action: str,
    *,
    actor: User | None,
    entity_type: str,
    entity_id: int,
    case_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event to the session (the caller's transaction commits it)."""
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        entity_type=entity_type,
        entity_id=entity_id,
        case_id=case_id,
        before={k: _jsonable(v) for k, v in before.items()} if before else None,
        after={k: _jsonable(v) for k, v in after.items()} if after else None,
    )
    db.session.add(event)
    return event


def diff(obj: Any, changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The before and after of the fields that `changes` really changes on `obj`."""
    before, after = {}, {}
    for name, value in changes.items():
        old = getattr(obj, name)
        if old != value:
            before[name], after[name] = old, value
    return before, after


def apply_changes(
    obj: Any,
    changes: dict[str, Any],
    *,
    action: str,
    actor: User | None,
    entity_type: str,
    case_id: int | None = None,
) -> dict[str, Any]:
    """Set the fields of `obj` that `changes` really changes, flush, and record one event
    with their before and after. Returns the changed fields' new values ({} if none)."""
    before, after = diff(obj, changes)
    if not after:
        return {}
    for name, value in after.items():
        setattr(obj, name, value)
    db.session.flush()
    record(
        action,
        actor=actor,
        entity_type=entity_type,
        entity_id=obj.id,
        case_id=case_id,
        before=before,
        after=after,
    )
    return after


@dataclass(frozen=True)
class AuditFilter:
    """What the audit trail is narrowed to; every part optional."""

    actor_id: int | None = None
    action: str | None = None
    entity_type: str | None = None
    case_id: int | None = None
    since: datetime | None = None  # from this moment
    before: datetime | None = None  # up to, not including, this one


def recent_events(
    limit: int = 200, *, offset: int = 0, where: AuditFilter | None = None
) -> list[AuditEvent]:
    """The newest events first, narrowed by `where`."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit).offset(offset)
    where = where or AuditFilter()
    if where.actor_id is not None:
        query = query.where(AuditEvent.actor_id == where.actor_id)
    if where.action:
        query = query.where(AuditEvent.action == where.action)
    if where.entity_type:
        query = query.where(AuditEvent.entity_type == where.entity_type)
    if where.case_id is not None:
        query = query.where(AuditEvent.case_id == where.case_id)
    if where.since is not None:
        query = query.where(AuditEvent.at >= where.since)
    if where.before is not None:
        query = query.where(AuditEvent.at < where.before)
    return list(db.session.scalars(query))


def case_refs(events: list[AuditEvent]) -> dict[int, str]:
    """The references (C-2026-000123) of the cases `events` are about, in one query."""
    ids = {event.case_id for event in events if event.case_id is not None}
    if not ids:
        return {}
    return {case.id: case.ref for case in db.session.scalars(select(Case).where(Case.id.in_(ids)))}
