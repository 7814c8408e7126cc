from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from relq.db import UTCDateTime, db, utcnow

ALERT_KINDS = {"surge": _l("Surge"), "new": _l("New theme")}


class SurgeAlert(db.Model):
    """A theme that grew beyond its trailing baseline (or appeared from nothing) in the week
    ending on `week_end`. One alert per key and week: detection is idempotent."""

    __tablename__ = "surge_alerts"
    __table_args__ = (
        UniqueConstraint("key", "week_end"),
        CheckConstraint("kind IN ('surge', 'new')", name="kind_known"),
        CheckConstraint("observed >= 0 AND expected >= 0", name="counts_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "phrase:電気ケトル" or "tag:quality.defect"
    key: Mapped[str] = mapped_column(String(160))
    label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    week_end = mapped_column(Date, nullable=False)
    observed: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float)
    p_value: Mapped[float] = mapped_column(Float)
    case_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Management marks an alert seen; the escalation issue will attach escalations to it.
    seen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    seen_at = mapped_column(UTCDateTime, nullable=True)

    @property
    def week_start(self):
        return self.week_end - timedelta(days=6)

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected else float("inf")
