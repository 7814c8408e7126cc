from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.db import UTCDateTime, db, utcnow
from relq.org.models import Department

# The conditions a rule may hold; within one condition any value matches (OR), across
# conditions all must match (AND). An empty condition matches everything.
CONDITIONS = ("kinds", "channels", "severities", "tags", "products", "words")
CONDITION_LABELS = {
    "kinds": _l("Kind"),
    "channels": _l("Channel"),
    "severities": _l("Severity"),
    "tags": _l("Tag"),
    "products": _l("Product or service"),
    "words": _l("Words"),
}


class RoutingRule(db.Model):
    __tablename__ = "routing_rules"
    __table_args__ = (CheckConstraint("position >= 0", name="position_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0, index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    conditions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    department: Mapped[Department] = relationship(lazy="joined")

    def condition(self, name: str) -> list:
        return list((self.conditions or {}).get(name) or [])
