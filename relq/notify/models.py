"""Notifications: in the app and by e-mail, for the events each user chose."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from relq.db import UTCDateTime, db, utcnow

# What a person can be told about, and whether it is on by default (in the app, by e-mail).
EVENTS = {
    "routed": _l("A case was routed to my department"),
    "answered": _l("A department answered a case I logged"),
    "deadline_soon": _l("A deadline of my department is about to pass"),
    "deadline_missed": _l("A deadline of my department was missed"),
    "escalation": _l("An escalation was opened"),
}
DEFAULTS = {
    "routed": (True, True),
    "answered": (True, False),
    "deadline_soon": (True, True),
    "deadline_missed": (True, True),
    "escalation": (True, True),
}


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(
            "event IN ('routed', 'answered', 'deadline_soon', 'deadline_missed', 'escalation')",
            name="event_known",
        ),
        CheckConstraint(
            "email_state IN ('none', 'pending', 'sent', 'failed')", name="email_state_known"
        ),
        Index("ix_notifications_user_id_created_at", "user_id", "created_at"),
        Index(
            "ix_notifications_unread",
            "user_id",
            sqlite_where=text("read_at IS NULL"),
            postgresql_where=text("read_at IS NULL"),
        ),
        Index(
            "ix_notifications_email_pending",
            "id",
            sqlite_where=text("email_state = 'pending'"),
            postgresql_where=text("email_state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    event: Mapped[str] = mapped_column(String(24))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))
    # What the message says, as data: rendered in the reader's language when shown or sent.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    read_at = mapped_column(UTCDateTime, nullable=True)
    email_state: Mapped[str] = mapped_column(String(8), default="none")
    emailed_at = mapped_column(UTCDateTime, nullable=True)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)


class NotificationPreference(db.Model):
    """A user's choice for one event; without a row, DEFAULTS apply."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    event: Mapped[str] = mapped_column(String(24), primary_key=True)
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[bool] = mapped_column(Boolean, default=False)
