"""Notifications: in the app and by e-mail, for the events each user chose.

A notification is data (an event code and its parameters), never text: it is worded in the
reader's language when shown or sent (relq.notify.messages). Its e-mail goes through
`email_state`: none (not wanted) or pending -> sending (claimed by one sender) -> sent; a failed
attempt puts it back to pending until MAX_EMAIL_ATTEMPTS, then it stays failed.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.cases.models import Case
from relq.db import UTCDateTime, db, utcnow
from relq.org.models import User

# What a person can be told about, and whether it is on by default (in the app, by e-mail).
EVENTS = {
    "routed": _l("A case was routed to my department"),
    "answered": _l("A department answered a case I logged"),
    "deadline_soon": _l("A deadline of my department is about to pass"),
    "deadline_missed": _l("A deadline of my department was missed"),
    "escalation": _l("An escalation was opened"),
    "compliment": _l("A customer thanked me by name"),
    # Internal-customer handoffs (relq/handoffs).
    "handoff_requested": _l("Another department asked my department (or me) for something"),
    "handoff_answered": _l("My department's request was answered or declined"),
    "handoff_sent_back": _l("An answer of my department was sent back"),
    "handoff_overdue": _l("A request to my department is overdue"),
    "handoff_thanked": _l("Someone thanked me for an answer I gave"),
}
DEFAULTS = {
    "routed": (True, True),
    "answered": (True, False),
    "deadline_soon": (True, True),
    "deadline_missed": (True, True),
    "escalation": (True, True),
    "compliment": (True, True),
    "handoff_requested": (True, True),
    "handoff_answered": (True, False),
    "handoff_sent_back": (True, True),
    "handoff_overdue": (True, True),
    "handoff_thanked": (True, False),
}
HANDOFF_EVENTS = tuple(e for e in EVENTS if e.startswith("handoff_"))
# Who can be told what: the events a role ever receives (the preferences page offers these).
EVENTS_BY_ROLE = {
    "operator": (
        "answered",
        "compliment",
        "handoff_requested",
        "handoff_answered",
        "handoff_sent_back",
        "handoff_thanked",
    ),
    "lead": tuple(EVENTS),
    "executive": ("escalation", "compliment"),
    "admin": (),
}
# How a person wants their e-mails: one per event, or one daily summary of them all.
EMAIL_DELIVERIES = {
    "each": _l("One e-mail per event"),
    "daily": _l("One daily summary e-mail"),
}
# The daily summary goes out at the first tick after this hour of the reader's own day.
DIGEST_HOUR = 8
# A notification's e-mail: none (not wanted), pending -> sending -> sent | failed, or, for a
# reader who chose the daily summary, digest (waiting for it) -> digested (in one).
EMAIL_STATES = ("none", "pending", "sending", "sent", "failed", "digest", "digested")
# A failed e-mail is retried by later deliveries (and `tick`) up to this many attempts in all.
MAX_EMAIL_ATTEMPTS = 5
_EVENT_CODES = ", ".join(f"'{code}'" for code in EVENTS)
_EMAIL_STATES = ", ".join(f"'{state}'" for state in EMAIL_STATES)
_DIGEST_STATES = ", ".join(f"'{state}'" for state in ("pending", "sending", "sent", "failed"))


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(f"event IN ({_EVENT_CODES})", name="event_known"),
        CheckConstraint(f"email_state IN ({_EMAIL_STATES})", name="email_state_known"),
        Index("ix_notifications_user_id_created_at", "user_id", "created_at"),
        Index(
            "ix_notifications_unread",
            "user_id",
            sqlite_where=text("read_at IS NULL"),
            postgresql_where=text("read_at IS NULL"),
        ),
        # What the sender scans: e-mails waiting, and claims a dead sender may have left.
        Index(
            "ix_notifications_email_pending",
            "id",
            sqlite_where=text("email_state IN ('pending', 'sending')"),
            postgresql_where=text("email_state IN ('pending', 'sending')"),
        ),
        # What the daily summary scans: the e-mails waiting for it, per reader.
        Index(
            "ix_notifications_digest_waiting",
            "user_id",
            sqlite_where=text("email_state = 'digest'"),
            postgresql_where=text("email_state = 'digest'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    event: Mapped[str] = mapped_column(String(24))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))
    # A handoff's notifications carry no case (the providing side may not see it): they are
    # grouped by their handoff instead.
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id"))
    # What the message says, as data: rendered in the reader's language when shown or sent.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    read_at = mapped_column(UTCDateTime, nullable=True)
    email_state: Mapped[str] = mapped_column(String(8), default="none")
    # When the last attempt to send started (for a sent e-mail: when it went out).
    emailed_at = mapped_column(UTCDateTime, nullable=True)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The daily summary that carried its e-mail (email_state "digested").
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("notification_digests.id"), index=True)

    user: Mapped[User] = relationship()
    case: Mapped[Case | None] = relationship()

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(db.Model):
    """A user's choice for one event; without a row, DEFAULTS apply."""

    __tablename__ = "notification_preferences"
    __table_args__ = (CheckConstraint(f"event IN ({_EVENT_CODES})", name="event_known"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    event: Mapped[str] = mapped_column(String(24), primary_key=True)
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[bool] = mapped_column(Boolean, default=False)


class NotificationSetting(db.Model):
    """A user's choice of how e-mails reach them; without a row, one per event."""

    __tablename__ = "notification_settings"
    __table_args__ = (
        CheckConstraint("email_delivery IN ('each', 'daily')", name="email_delivery_known"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email_delivery: Mapped[str] = mapped_column(String(8), default="each")


class NotificationDigest(db.Model):
    """One reader's daily summary: at most one per reader and day (the unique constraint is
    what makes two clocks ticking at once send it once). Its e-mail goes pending -> sending ->
    sent, or back to pending after a failed attempt, failed after MAX_EMAIL_ATTEMPTS."""

    __tablename__ = "notification_digests"
    __table_args__ = (
        UniqueConstraint("user_id", "day"),
        CheckConstraint(f"email_state IN ({_DIGEST_STATES})", name="email_state_known"),
        CheckConstraint("notification_count > 0", name="not_empty"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The reader's own calendar day it summarises up to.
    day = mapped_column(Date, nullable=False)
    notification_count: Mapped[int] = mapped_column(Integer)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    email_state: Mapped[str] = mapped_column(String(8), default="pending")
    emailed_at = mapped_column(UTCDateTime, nullable=True)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship()
