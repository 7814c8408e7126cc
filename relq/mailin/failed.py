"""The admin's side of e-mail intake: stored messages listed by status, one message for a
closer look, and retry or dismiss for those that failed. Services flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from relq.audit.services import record
from relq.db import db
from relq.errors import Conflict, NotAllowed, NotFound
from relq.mailin.models import RETRYABLE, InboundMessage
from relq.org.models import User


def message_for_admin(message_id: int, actor: User) -> InboundMessage:
    """A stored message, for an admin. Raises NotAllowed, NotFound."""
    if not can_manage_inbound_mail(actor):
        raise NotAllowed("mail")
    message = db.session.get(InboundMessage, message_id)
    if message is None:
        raise NotFound("inbound_message")
    return message


def retry_message(message: InboundMessage, *, actor: User) -> InboundMessage:
    """Put a failed message back in the queue (the clock or the worker processes it again).
    Raises NotAllowed, or Conflict when it is not failed (processed or dismissed meanwhile)."""
    if not can_manage_inbound_mail(actor):
        raise NotAllowed("mail")
    if message.status not in RETRYABLE:
        raise Conflict("mail_not_failed", message.status)
    before = {"status": message.status}
    message.status = "received"
    db.session.flush()
    record(
        "mail.retried",
        actor=actor,
        entity_type="inbound_message",
        entity_id=message.id,
        before=before,
        after={"status": "received"},
    )
    return message


def dismiss_message(message: InboundMessage, *, actor: User) -> InboundMessage:
    """Mark a failed message as seen and not wanted (spam, a bounce); it stays stored.
    Raises NotAllowed, or Conflict when it is not failed."""
    if not can_manage_inbound_mail(actor):
        raise NotAllowed("mail")
    if message.status not in RETRYABLE:
        raise Conflict("mail_not_failed", message.status)
    message.status = "dismissed"
    db.session.flush()
    record(
        "mail.dismissed",
        actor=actor,
        entity_type="inbound_message",
        entity_id=message.id,
        before={"status": "failed"},
        after={"status": "dismissed"},
    )
    return message


def can_manage_inbound_mail(user: User) -> bool:
    return user.is_active and user.role == "admin"


@dataclass(frozen=True)
class MessageRow:
    id: int
    status: str
    received_at: datetime
    subject: str
    from_address: str
    error: str
    attempts: int
    size: int


def message_rows(
    status: str, *, limit: int = 100, before_id: int | None = None
) -> list[MessageRow]:
    """The admin's list: messages of one status, newest first, as rows (no raw bytes)."""
    query = (
        select(
            InboundMessage.id,
            InboundMessage.status,
            InboundMessage.received_at,
            InboundMessage.subject,
            InboundMessage.from_address,
            InboundMessage.error,
            InboundMessage.attempts,
            InboundMessage.size,
        )
        .where(InboundMessage.status == status)
        .order_by(InboundMessage.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(InboundMessage.id < before_id)
    return [MessageRow(*row) for row in db.session.execute(query)]


def status_counts() -> dict[str, int]:
    rows = db.session.execute(
        select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
    )
    return dict(rows.all())
