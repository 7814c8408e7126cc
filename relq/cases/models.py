"""The complaint record (ISO 10002 / JIS Q 10002 §8): the case, its customer and its notes.

Kinds, channels, statuses and the allowed status changes are data, kept here beside the
model: the service enforces them, the templates read them to draw the buttons, the database
re-checks the codes with CHECK constraints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

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
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.db import UTCDateTime, db, utcnow
from relq.org.models import Department, User

KINDS = {
    "inquiry": _l("Inquiry"),
    "complaint": _l("Complaint"),
    "request": _l("Request"),
    "compliment": _l("Compliment"),
}
CHANNELS = {
    "phone": _l("Phone"),
    "email": _l("Email"),
    "web": _l("Web form"),
    "letter": _l("Letter"),
    "visit": _l("Visit"),
    "social": _l("Social media"),
}
SEVERITIES = {
    1: _l("1 – Critical"),
    2: _l("2 – High"),
    3: _l("3 – Normal"),
    4: _l("4 – Low"),
}
STATUSES = {
    "received": _l("Received"),
    "routed": _l("Routed"),
    "acknowledged": _l("Acknowledged"),
    "in_progress": _l("In progress"),
    "awaiting_customer": _l("Awaiting customer"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}
OPEN_STATUSES = tuple(s for s in STATUSES if s != "closed")
NOTE_KINDS = {
    "observation": _l("Front-line observation"),
    "internal": _l("Internal note"),
    "response": _l("Response to the customer"),
    # What the customer wrote back (an e-mail reply on the case: relq/mailin).
    "customer_reply": _l("The customer's reply"),
}
# The kind a new note starts as: the front line writes what it noticed (現場の気づき); a lead,
# an executive or an admin writes for colleagues.
NOTE_KIND_BY_ROLE = {"operator": "observation"}
DEFAULT_NOTE_KIND = "internal"


@dataclass(frozen=True)
class Transition:
    """A status change. `sides` says who may make it: the front line (operators, and the
    lead of the department that took the case in) or the owner (the lead of the department
    the case is routed to)."""

    action: str
    sources: tuple[str, ...]
    target: str
    sides: frozenset[str]
    label: object
    needs_department: bool = False
    needs_reason: bool = False
    # The owner's answers to the front line (受領 / 対応予定 / 対応済 / 対応しない) are
    # transitions that also leave a DepartmentAnswer (relq.answers); "planned" needs a date.
    answer: str | None = None
    needs_date: bool = False
    reason_label: object = _l("Reason")


FRONT_LINE, OWNER = "front_line", "owner"
BOTH = frozenset({FRONT_LINE, OWNER})

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "route",
            ("received",),
            "routed",
            frozenset({FRONT_LINE}),
            _l("Route"),
            needs_department=True,
        ),
        Transition(
            "reroute",
            ("routed", "acknowledged"),
            "routed",
            BOTH,
            _l("Reroute"),
            needs_department=True,
            needs_reason=True,
        ),
        Transition(
            "acknowledge",
            ("routed",),
            "acknowledged",
            frozenset({OWNER}),
            _l("Acknowledge (受領)"),
            answer="acknowledged",
        ),
        Transition(
            "plan",
            ("routed", "acknowledged", "in_progress"),
            "in_progress",
            frozenset({OWNER}),
            _l("Plan the response (対応予定)"),
            answer="planned",
            needs_date=True,
        ),
        Transition(
            "complete",
            ("routed", "acknowledged", "in_progress", "awaiting_customer"),
            "resolved",
            frozenset({OWNER}),
            _l("Done (対応済)"),
            answer="done",
            needs_reason=True,
            reason_label=_l("What was done"),
        ),
        Transition(
            "decline",
            ("routed", "acknowledged", "in_progress"),
            "received",
            frozenset({OWNER}),
            _l("Not acting (対応しない)"),
            answer="declined",
            needs_reason=True,
            reason_label=_l("Why not (the front line will read this)"),
        ),
        Transition("start", ("acknowledged",), "in_progress", frozenset({OWNER}), _l("Start work")),
        Transition(
            "await_customer",
            ("received", "in_progress"),
            "awaiting_customer",
            BOTH,
            _l("Wait for the customer"),
        ),
        Transition(
            "customer_replied",
            ("awaiting_customer",),
            "in_progress",
            BOTH,
            _l("Customer replied"),
        ),
        Transition(
            "resolve",
            ("received", "in_progress", "awaiting_customer"),
            "resolved",
            frozenset({FRONT_LINE}),
            _l("Resolve"),
        ),
        Transition("close", ("resolved",), "closed", frozenset({FRONT_LINE}), _l("Close")),
        Transition(
            "reopen",
            ("resolved", "closed"),
            "in_progress",
            BOTH,
            _l("Reopen"),
            needs_reason=True,
        ),
    )
}

OFFICE_TZ = ZoneInfo("Asia/Tokyo")

# "C-2026-000123": the year the case was received and its number.
REF_PATTERN = re.compile(r"^\s*C-(\d{4})-(\d{1,9})\s*$", re.IGNORECASE)


class Customer(db.Model):
    """Personal data: optional, shown only inside a case, never put in a URL or a log."""

    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("language IS NULL OR language IN ('ja', 'en')", name="language_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    # The language the customer is written to in ('ja', 'en'; unknown: Japanese), and whether
    # they asked not to receive satisfaction surveys (relq/csat).
    language: Mapped[str | None] = mapped_column(String(2))
    survey_opt_out: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), nullable=False
    )
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


def _in(column: str, codes) -> str:
    return f"{column} IN ({', '.join(repr(c) for c in codes)})"


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind_known"),
        CheckConstraint(_in("channel", CHANNELS), name="channel_known"),
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint("severity BETWEEN 1 AND 4", name="severity_range"),
        CheckConstraint(
            "status NOT IN ('routed', 'acknowledged') OR responsible_department_id IS NOT NULL",
            name="routed_has_department",
        ),
        CheckConstraint("length(subject) > 0", name="subject_present"),
        # The default order, with what every scope and the default filter read: a deep page's
        # OFFSET skips index entries, not cases (relq.cases.listing._rows).
        Index(
            "ix_cases_received_at_scope",
            "received_at",
            "id",
            "status",
            "intake_department_id",
            "responsible_department_id",
        ),
        Index("ix_cases_status_received_at", "status", "received_at"),
        Index("ix_cases_intake_department_received_at", "intake_department_id", "received_at"),
        Index(
            "ix_cases_responsible_department_received_at",
            "responsible_department_id",
            "received_at",
        ),
        # The list's other sorts (relq.cases.services.SORTS): one page read, not every case.
        Index(
            "ix_cases_severity_received_at",
            "severity",
            text("received_at DESC"),
            text("id DESC"),
        ),
        Index("ix_cases_updated_at", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The intake form's one-time token: a double click cannot make two cases.
    intake_token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    received_at = mapped_column(UTCDateTime, nullable=False)
    product: Mapped[str] = mapped_column(String(120), default="")
    subject: Mapped[str] = mapped_column(String(200))
    customer_words: Mapped[str] = mapped_column(Text)
    remedy_requested: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[int] = mapped_column(SmallInteger, default=3)
    status: Mapped[str] = mapped_column(String(24), default="received")
    intake_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    responsible_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    intake_department: Mapped[Department] = relationship(foreign_keys=[intake_department_id])
    responsible_department: Mapped[Department | None] = relationship(
        foreign_keys=[responsible_department_id]
    )
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    customer: Mapped[Customer | None] = relationship()
    notes: Mapped[list[Note]] = relationship(
        back_populates="case", order_by="Note.created_at", cascade="save-update, merge"
    )

    @property
    def ref(self) -> str:
        # The year as the office counts it (Japan), not UTC's.
        return f"C-{self.received_at.astimezone(OFFICE_TZ).year}-{self.id:06d}"

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.status}>"


def voice_of(case: Case) -> str:
    """The customer's own voice: what themes, tags and the learned suggesters read."""
    return "\n".join(
        part for part in (case.subject, case.customer_words, case.remedy_requested) if part
    )


class Note(db.Model):
    __tablename__ = "notes"
    __table_args__ = (
        CheckConstraint(_in("kind", NOTE_KINDS), name="kind_known"),
        CheckConstraint("length(body) > 0", name="body_present"),
        Index("ix_notes_case_id_created_at", "case_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    case: Mapped[Case] = relationship(back_populates="notes")
    author: Mapped[User] = relationship(lazy="joined")


def parse_ref(text: str) -> int | None:
    """The case id in a reference such as C-2026-000123, or None."""
    match = REF_PATTERN.match(text or "")
    return int(match.group(2)) if match else None


FIELD_LABELS = {
    "kind": _l("Kind"),
    "channel": _l("Channel"),
    "received_at": _l("Received at"),
    "product": _l("Product or service"),
    "subject": _l("Subject"),
    "customer_words": _l("The customer's own words"),
    "remedy_requested": _l("What the customer asks for"),
    "severity": _l("Severity"),
    "status": _l("Status"),
    "responsible_department_id": _l("Department"),
    "assignee_id": _l("Assignee"),
}
