"""Deadlines per severity (acknowledgement, first response, resolution), counted in business
time on the office calendar, and the deadlines each case is running against.

A policy is data an admin can change; a case's deadline is computed once, when its clock
starts, so that changing a policy never moves a deadline someone already works to.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from relq.db import UTCDateTime, db, utcnow

DEADLINE_KINDS = {
    "acknowledge": _l("Acknowledgement"),
    "first_response": _l("First response"),
    "resolution": _l("Resolution"),
}


class DeadlinePolicy(db.Model):
    """Business minutes allowed per severity for each kind of deadline."""

    __tablename__ = "deadline_policies"
    __table_args__ = (
        CheckConstraint("severity BETWEEN 1 AND 4", name="severity_range"),
        CheckConstraint(
            "acknowledge_minutes > 0 AND first_response_minutes > 0 AND resolution_minutes > 0",
            name="minutes_positive",
        ),
    )

    severity: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    acknowledge_minutes: Mapped[int] = mapped_column(Integer)
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    # Warn this many business minutes before a deadline passes.
    warn_minutes: Mapped[int] = mapped_column(Integer, default=60)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)


class CaseDeadline(db.Model):
    """One clock of one case. Open while `met_at` and `cancelled_at` are empty; paused while
    `paused_at` is set (the case waits for the customer). `missed_at` and `warned_at` are
    stamped once by `tick`, which makes it idempotent."""

    __tablename__ = "case_deadlines"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('acknowledge', 'first_response', 'resolution')", name="kind_known"
        ),
        CheckConstraint("due_at >= started_at", name="due_after_start"),
        # At most one running clock of each kind per case.
        Index(
            "uq_case_deadlines_open_kind",
            "case_id",
            "kind",
            unique=True,
            sqlite_where=text("met_at IS NULL AND cancelled_at IS NULL"),
            postgresql_where=text("met_at IS NULL AND cancelled_at IS NULL"),
        ),
        # What `tick` scans: the open clocks by due time.
        Index(
            "ix_case_deadlines_open_due_at",
            "due_at",
            sqlite_where=text("met_at IS NULL AND cancelled_at IS NULL"),
            postgresql_where=text("met_at IS NULL AND cancelled_at IS NULL"),
        ),
        Index("ix_case_deadlines_department_id_due_at", "department_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # Whose clock it is: the department responsible when it started (None: the front line).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    started_at = mapped_column(UTCDateTime, nullable=False)
    due_at = mapped_column(UTCDateTime, nullable=False)
    paused_at = mapped_column(UTCDateTime, nullable=True)
    met_at = mapped_column(UTCDateTime, nullable=True)
    cancelled_at = mapped_column(UTCDateTime, nullable=True)
    warned_at = mapped_column(UTCDateTime, nullable=True)
    missed_at = mapped_column(UTCDateTime, nullable=True)
