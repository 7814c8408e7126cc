"""Deadlines per severity (acknowledgement, first response, resolution), counted in business
time on the office calendar, and the deadlines each case is running against.

A policy is data an admin can change; a case's deadline is computed once, when its clock
starts, so that changing a policy never moves a deadline someone already works to.
"""

from __future__ import annotations

from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.db import UTCDateTime, db, utcnow

DEADLINE_KINDS = {
    "acknowledge": _l("Acknowledgement"),
    "first_response": _l("First response"),
    "resolution": _l("Resolution"),
}


class PolicyMinutes(NamedTuple):
    acknowledge: int
    first_response: int
    resolution: int
    warn: int


# The policy per severity until an admin changes it (seeded by migration 0006, and used
# whenever a severity's row is missing). In business minutes; one working day is 540
# (09:00–18:00). Chosen so that the customer hears back the same day for the two urgent
# severities and within one or two working days otherwise (common practice in Japanese
# customer service: 1営業日以内の一次回答), the owning department confirms receipt (受領)
# no later than that, and resolution leaves room for an investigation (2, 5, 10, 20 working
# days).
# The warning comes a quarter to a half of the shortest deadline before it: early enough to
# act on, late enough not to cry wolf.
DEFAULT_POLICIES: dict[int, PolicyMinutes] = {
    1: PolicyMinutes(acknowledge=60, first_response=120, resolution=1080, warn=30),
    2: PolicyMinutes(acknowledge=120, first_response=240, resolution=2700, warn=60),
    3: PolicyMinutes(acknowledge=540, first_response=540, resolution=5400, warn=120),
    4: PolicyMinutes(acknowledge=1080, first_response=1080, resolution=10800, warn=240),
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
        CheckConstraint("warn_minutes >= 0", name="warn_not_negative"),
    )

    severity: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    acknowledge_minutes: Mapped[int] = mapped_column(Integer)
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    # Warn this many business minutes before a deadline passes.
    warn_minutes: Mapped[int] = mapped_column(Integer, default=60)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    @property
    def id(self) -> int:
        # The audit trail names every entity by an id; a policy's is its severity.
        return self.severity

    @property
    def minutes(self) -> PolicyMinutes:
        return PolicyMinutes(
            self.acknowledge_minutes,
            self.first_response_minutes,
            self.resolution_minutes,
            self.warn_minutes,
        )


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
        CheckConstraint("warn_at >= started_at AND warn_at <= due_at", name="warn_within"),
        CheckConstraint("allowed_minutes > 0", name="allowed_positive"),
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
        # What `tick` scans for warnings: the open clocks not warned yet, by warning time.
        Index(
            "ix_case_deadlines_unwarned_warn_at",
            "warn_at",
            sqlite_where=text("warned_at IS NULL AND met_at IS NULL AND cancelled_at IS NULL"),
            postgresql_where=text("warned_at IS NULL AND met_at IS NULL AND cancelled_at IS NULL"),
        ),
        Index("ix_case_deadlines_department_id_due_at", "department_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # Whose clock it is: the department responsible when it started (None: the front line).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    started_at = mapped_column(UTCDateTime, nullable=False)
    # The business minutes the policy gave when the clock started (or the severity changed):
    # `due_at` is `started_at` plus these, plus any time paused.
    allowed_minutes: Mapped[int] = mapped_column(Integer)
    due_at = mapped_column(UTCDateTime, nullable=False)
    # When to warn: the policy's warning time before `due_at`, in business time.
    warn_at = mapped_column(UTCDateTime, nullable=False)
    paused_at = mapped_column(UTCDateTime, nullable=True)
    met_at = mapped_column(UTCDateTime, nullable=True)
    cancelled_at = mapped_column(UTCDateTime, nullable=True)
    warned_at = mapped_column(UTCDateTime, nullable=True)
    missed_at = mapped_column(UTCDateTime, nullable=True)

    case = relationship("Case")
    department = relationship("Department")

    @property
    def is_open(self) -> bool:
        return self.met_at is None and self.cancelled_at is None

    @property
    def is_met_on_time(self) -> bool:
        return self.met_at is not None and self.met_at <= self.due_at
