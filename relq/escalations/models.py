"""Escalations: what is serious or stuck, raised to management, decided and closed.

Reasons and their levels are data (`REASONS`); each trigger raises at most one escalation per
case and reason (per surge alert for surges), which the database enforces, so `tick` can run
any number of times.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.db import UTCDateTime, db, utcnow
from relq.handoffs.models import Handoff
from relq.org.models import Department, User


@dataclass(frozen=True)
class Reason:
    code: str
    label: object
    level: int  # 1: the department's lead, 2: management (経営)


REASONS = {
    r.code: r
    for r in (
        Reason("severity", _l("Severity 1"), 2),
        Reason("acknowledge_missed", _l("Acknowledgement deadline missed"), 1),
        Reason("resolution_missed", _l("Resolution deadline missed"), 2),
        Reason("repeat_customer", _l("Repeat customer"), 1),
        Reason("safety", _l("Product safety"), 2),
        Reason("harassment", _l("Customer harassment"), 2),
        Reason("surge", _l("Theme surge"), 2),
        # A handoff between departments waited past its due time and the pair's grace: raised
        # to the leads of both departments (the providing and the asking one).
        Reason("stalled_handoff", _l("Stalled handoff"), 1),
    )
}
LEVELS = {1: _l("Department"), 2: _l("Management")}
# The board's age filter: how long the row (a case's open escalations) has been escalated,
# in days (from, to).
AGES = {
    "day": (_l("Less than a day"), 0, 1),
    "week": (_l("1 to 7 days"), 1, 7),
    "older": (_l("More than 7 days"), 7, None),
}
OUTCOMES = {
    "action_ordered": _l("Action ordered"),
    "resolved": _l("Resolved"),
    "accepted": _l("Accepted as is"),
    "no_action": _l("No action needed"),
}


class Escalation(db.Model):
    __tablename__ = "escalations"
    __table_args__ = (
        CheckConstraint(
            "reason IN ('severity', 'acknowledge_missed', 'resolution_missed', "
            "'repeat_customer', 'safety', 'harassment', 'surge', 'stalled_handoff')",
            name="reason_known",
        ),
        CheckConstraint("level BETWEEN 1 AND 2", name="level_range"),
        CheckConstraint(
            "case_id IS NOT NULL OR surge_alert_id IS NOT NULL OR handoff_id IS NOT NULL",
            name="has_subject",
        ),
        CheckConstraint("(closed_at IS NULL) = (outcome IS NULL)", name="closed_with_outcome"),
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('action_ordered', 'resolved', 'accepted', 'no_action')",
            name="outcome_known",
        ),
        Index(
            "uq_escalations_case_id_reason",
            "case_id",
            "reason",
            unique=True,
            sqlite_where=text("case_id IS NOT NULL"),
            postgresql_where=text("case_id IS NOT NULL"),
        ),
        Index(
            "uq_escalations_surge_alert_id",
            "surge_alert_id",
            unique=True,
            sqlite_where=text("surge_alert_id IS NOT NULL"),
            postgresql_where=text("surge_alert_id IS NOT NULL"),
        ),
        # One stalled-handoff escalation per handoff, however many clocks tick.
        Index(
            "uq_escalations_handoff_id",
            "handoff_id",
            unique=True,
            sqlite_where=text("handoff_id IS NOT NULL"),
            postgresql_where=text("handoff_id IS NOT NULL"),
        ),
        Index("ix_escalations_closed_at_opened_at", "closed_at", "opened_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    surge_alert_id: Mapped[int | None] = mapped_column(ForeignKey("surge_alerts.id"))
    # A stalled handoff: its own row on the board, its department the providing one (the
    # asking department's leads see and decide it too: access.escalation_scope).
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id"))
    reason: Mapped[str] = mapped_column(String(24))
    level: Mapped[int] = mapped_column(SmallInteger)
    # The department concerned (the case's owner at the time), for the lead's view.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    # What triggered it, in words for people: "発火" or "4 cases in 30 days".
    detail: Mapped[str] = mapped_column(String(300), default="")
    opened_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at = mapped_column(UTCDateTime, nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(24))
    # 経営判断: the decision management recorded when closing it.
    decision: Mapped[str] = mapped_column(Text, default="")

    department: Mapped[Department | None] = relationship(lazy="joined")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    handoff: Mapped[Handoff | None] = relationship()

    @property
    def department_ids(self) -> frozenset[int]:
        """The departments whose leads it concerns: the case's (or the providing) department,
        and, for a stalled handoff, the asking department as well."""
        found = {self.department_id} if self.department_id is not None else set()
        if self.handoff is not None:
            found |= {self.handoff.provider_department_id, self.handoff.requester_department_id}
        return frozenset(found)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class EscalationComment(db.Model):
    __tablename__ = "escalation_comments"
    __table_args__ = (CheckConstraint("length(body) > 0", name="body_present"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    is_decision: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    author: Mapped[User] = relationship(lazy="joined")
