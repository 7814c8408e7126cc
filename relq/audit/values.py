"""The audit trail in words a person reads: stored codes, ids and ISO times as labels, names and
local times ("担当部署: 品質保証部 → 物流部", not "responsible_department_id: 3 → 5").

Coded values are worded by the capability that owns them (Capability.audit_values); ids and
times are recognised by the field's name, the one convention every service already follows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from relq.capability import installed
from relq.cases.models import FIELD_LABELS
from relq.db import db
from relq.i18n import local_datetime
from relq.org.models import Department, User

# Fields that hold a user's or a department's id, whatever the object.
USER_FIELDS = frozenset(
    {"assignee_id", "owner_id", "closed_by_id", "staff_user_id", "user_id", "actor_id"}
)
LONGEST = 80


# The words of fields that many objects share; a case's own fields are worded by cases.
FIELD_WORDS = {
    "reason": _l("Reason"),
    "planned_for": _l("Planned for"),
    "answer": _l("Answer"),
    "name_ja": _l("Name (Japanese)"),
    "name_en": _l("Name (English)"),
    "name": _l("Name"),
    "code": _l("Code"),
    "email": _l("E-mail"),
    "role": _l("Role"),
    "department_id": _l("Department"),
    "is_active": _l("May log in"),
    "locale": _l("Language"),
    "closed_at": _l("Closed at"),
    "closed_by_id": _l("Closed by"),
    "owner_id": _l("Owner"),
    "outcome": _l("Outcome"),
    "decision": _l("Decision"),
    "level": _l("Level"),
    "trigger": _l("Reason"),
    "detail": _l("Detail"),
    "tag": _l("Tag"),
    "state": _l("State"),
    "enabled": _l("Enabled"),
    "position": _l("Position"),
    # Handoffs between departments
    "requester_department_id": _l("Asking department"),
    "provider_department_id": _l("Providing department"),
    "due_at": _l("Due"),
    "waited_minutes": _l("Waited (business minutes)"),
    "usefulness": _l("Usefulness (1-5)"),
    "speed": _l("Speed (1-5)"),
    "thanked": _l("Thanked"),
    "due_minutes": _l("Time to answer (business minutes)"),
    "grace_minutes": _l("Grace (business minutes)"),
}


def readable_field(name: str) -> str:
    label = FIELD_LABELS.get(name) or FIELD_WORDS.get(name)
    return str(label) if label else name


def readable_value(entity_type: str, name: str, value: Any, locale: str) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    words = installed().audit_values.get(f"{entity_type}.{name}")
    if words is not None:
        label = words.get(value)
        return str(label) if label is not None else str(value)
    if isinstance(value, int) and name in USER_FIELDS:
        user = db.session.get(User, value)  # the identity map makes this one query per user
        return user.name if user else f"#{value}"
    if isinstance(value, int) and name.endswith("department_id"):
        department = db.session.get(Department, value)
        return department.name_for(locale) if department else f"#{value}"
    if isinstance(value, list):
        return ", ".join(readable_value(entity_type, name, item, locale) for item in value)
    if isinstance(value, str) and name.endswith(("_at", "_for", "_on", "_until")):
        return _local_time(value)
    text = str(value)
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"


def _local_time(iso: str) -> str:
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if len(iso) == 10:  # a date: no zone to convert
        return date.fromisoformat(iso).isoformat()
    if parsed.tzinfo is None:  # stored in UTC (relq/db.py)
        parsed = parsed.replace(tzinfo=UTC)
    return local_datetime(parsed, "short")


def readable_changes(event: Any, locale: str) -> list[tuple[str, str | None, str]]:
    """(field label, before or None, after) for each field the event changed."""
    rows = []
    before = event.before or {}
    for name, value in (event.after or {}).items():
        rows.append(
            (
                readable_field(name),
                readable_value(event.entity_type, name, before[name], locale)
                if name in before
                else None,
                readable_value(event.entity_type, name, value, locale),
            )
        )
    return rows
