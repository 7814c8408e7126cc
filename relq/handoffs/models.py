"""Internal-customer handoffs: one department (the internal customer) asks another for something,
on a customer's case or on its own, gets it back, and says whether it helped.

The lifecycle is data (`STEPS`): which step may follow which status, and which side takes it.
A handoff sent back ("not what we needed") returns to the providing side and counts as a
bounce. Times are stored in UTC; the durations people compare (time to accept, turnaround) are
kept in business minutes of the office calendar when the step happens, so that the map and the
scorecards aggregate them in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.cases.models import Case
from relq.db import UTCDateTime, db, utcnow
from relq.org.models import Department, User

REQUESTER, PROVIDER = "requester", "provider"
SIDES = {REQUESTER: _l("Asking side"), PROVIDER: _l("Providing side")}

STATUSES = {
    "requested": _l("Requested"),
    # Not "Accepted"/"Accept": those words are the tag suggestions' (採用), not a department's.
    "accepted": _l("Taken on"),
    "answered": _l("Answered"),
    "confirmed": _l("Confirmed"),
    "declined": _l("Declined"),
    "cancelled": _l("Cancelled"),
}
OPEN_STATUSES = ("requested", "accepted", "answered")
# Waiting for the providing side: the statuses its clock runs in.
WAITING_FOR_PROVIDER = ("requested", "accepted")
CLOSED_STATUSES = ("confirmed", "declined", "cancelled")


@dataclass(frozen=True)
class Step:
    action: str
    sources: tuple[str, ...]
    target: str
    side: str
    label: object
    # The words the step needs: the answer itself, or the reason for declining / sending back.
    needs_body: bool = False
    body_label: object = None


STEPS: dict[str, Step] = {
    s.action: s
    for s in (
        Step("accept", ("requested",), "accepted", PROVIDER, _l("Take it on")),
        Step(
            "decline",
            ("requested",),
            "declined",
            PROVIDER,
            _l("Decline"),
            needs_body=True,
            body_label=_l("Why not (the asking side will read this)"),
        ),
        Step(
            "answer",
            ("requested", "accepted"),
            "answered",
            PROVIDER,
            _l("Answer"),
            needs_body=True,
            body_label=_l("The answer"),
        ),
        Step(
            "send_back",
            ("answered",),
            "accepted",
            REQUESTER,
            _l("Send back (not what we needed)"),
            needs_body=True,
            body_label=_l("What is still missing"),
        ),
        Step("confirm", ("answered",), "confirmed", REQUESTER, _l("Confirm and rate")),
        Step("cancel", ("requested", "accepted"), "cancelled", REQUESTER, _l("Cancel the request")),
    )
}
MESSAGE_KINDS = {
    "message": _l("Message"),
    "decline": _l("Declined"),
    "answer": _l("Answer"),
    "send_back": _l("Sent back"),
    "confirm": _l("Confirmed"),
}
RATINGS = range(1, 6)  # 1 (poor) .. 5 (excellent), on usefulness and on speed
ASK_MAX, MESSAGE_MAX, COMMENT_MAX = 2000, 4000, 1000


def _in(column: str, codes) -> str:
    return f"{column} IN ({', '.join(repr(c) for c in codes)})"


class Handoff(db.Model):
    __tablename__ = "handoffs"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint("requester_department_id <> provider_department_id", name="not_to_itself"),
        CheckConstraint("length(ask) > 0", name="ask_present"),
        CheckConstraint(
            "usefulness IS NULL OR usefulness BETWEEN 1 AND 5", name="usefulness_range"
        ),
        CheckConstraint("speed IS NULL OR speed BETWEEN 1 AND 5", name="speed_range"),
        CheckConstraint("bounces >= 0", name="bounces_not_negative"),
        # Each department's inbox: its open handoffs, overdue first.
        Index("ix_handoffs_provider_status_due", "provider_department_id", "status", "due_at"),
        Index("ix_handoffs_requester_status_due", "requester_department_id", "status", "due_at"),
        # The relationship map: edges of a period.
        Index(
            "ix_handoffs_edge_requested",
            "requester_department_id",
            "provider_department_id",
            "requested_at",
        ),
        Index("ix_handoffs_requested_at", "requested_at"),
        Index("ix_handoffs_case_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    requester_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Optionally, the person on the providing side who is asked.
    provider_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ask: Mapped[str] = mapped_column(Text)
    # Why it matters to the customer (prefilled from the case).
    why: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="requested")
    requested_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    due_at = mapped_column(UTCDateTime, nullable=False)
    accepted_at = mapped_column(UTCDateTime, nullable=True)
    first_answered_at = mapped_column(UTCDateTime, nullable=True)
    answered_at = mapped_column(UTCDateTime, nullable=True)
    closed_at = mapped_column(UTCDateTime, nullable=True)
    # When the clock was found past its due time (tick), and when past the grace (stalled).
    overdue_at = mapped_column(UTCDateTime, nullable=True)
    stalled_at = mapped_column(UTCDateTime, nullable=True)
    bounces: Mapped[int] = mapped_column(Integer, default=0)
    # Business minutes, kept when the step happens: requested -> accepted, requested -> the
    # answer that was confirmed; and whether that answer came after the due time.
    accept_minutes: Mapped[int | None] = mapped_column(Integer)
    turnaround_minutes: Mapped[int | None] = mapped_column(Integer)
    answered_late: Mapped[bool | None] = mapped_column(db.Boolean)
    usefulness: Mapped[int | None] = mapped_column(SmallInteger)
    speed: Mapped[int | None] = mapped_column(SmallInteger)
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    # A thank-you from the asking side to the people who answered (the ありがとう feed).
    thanks: Mapped[str] = mapped_column(Text, default="")
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    case: Mapped[Case | None] = relationship()
    requester_department: Mapped[Department] = relationship(
        foreign_keys=[requester_department_id], lazy="joined"
    )
    provider_department: Mapped[Department] = relationship(
        foreign_keys=[provider_department_id], lazy="joined"
    )
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id], lazy="joined")
    provider_user: Mapped[User | None] = relationship(foreign_keys=[provider_user_id])

    @property
    def ref(self) -> str:
        return f"H-{self.id:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Handoff {self.id} {self.status}>"


class HandoffMessage(db.Model):
    """What the two sides wrote to each other: messages, the answer, the reasons."""

    __tablename__ = "handoff_messages"
    __table_args__ = (
        CheckConstraint(_in("kind", MESSAGE_KINDS), name="kind_known"),
        CheckConstraint(_in("side", SIDES), name="side_known"),
        CheckConstraint("length(body) > 0", name="body_present"),
        Index("ix_handoff_messages_handoff_id_created_at", "handoff_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    side: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    author: Mapped[User] = relationship(lazy="joined")


# Business minutes a providing department has to answer, and the grace after which a late
# handoff is stalled and raised to both leads, until an admin sets a pair's own: two working
# days to answer (540 minutes a day), one more day of grace.
DEFAULT_DUE_MINUTES, DEFAULT_GRACE_MINUTES = 1080, 540


class HandoffPolicy(db.Model):
    """The time a providing department has for requests from one asking department."""

    __tablename__ = "handoff_policies"
    __table_args__ = (
        UniqueConstraint("requester_department_id", "provider_department_id"),
        CheckConstraint("due_minutes > 0 AND grace_minutes >= 0", name="minutes_positive"),
        CheckConstraint("requester_department_id <> provider_department_id", name="not_to_itself"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requester_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    due_minutes: Mapped[int] = mapped_column(Integer)
    grace_minutes: Mapped[int] = mapped_column(Integer)
