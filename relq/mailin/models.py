"""What the mailbox brought: each message as it arrived (raw bytes), its attachments, and the
Message-IDs relq knows for each case (so a reply finds its case by In-Reply-To/References).

Statuses are data: received → processed | failed; failed → received (retry) | dismissed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from relq.db import UTCDateTime, db, utcnow

STATUSES = {
    "received": _l("Received, waiting to be processed"),
    "processed": _l("Processed"),
    "failed": _l("Failed"),
    "dismissed": _l("Dismissed"),
}
OUTCOMES = {"case": _l("New case"), "note": _l("Note on a case")}
SOURCES = {"imap": _l("IMAP mailbox"), "cli": _l("Mail server (mail-in command)")}
# Retry and dismiss act on failed messages only.
RETRYABLE = ("failed",)


def _in(column: str, codes) -> str:
    return f"{column} IN ({', '.join(repr(c) for c in codes)})"


class InboundMessage(db.Model):
    __tablename__ = "inbound_messages"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', OUTCOMES)}", name="outcome_known"),
        CheckConstraint(_in("source", SOURCES), name="source_known"),
        CheckConstraint("attempts >= 0", name="attempts_counted"),
        # The processing queue and the admin's list both walk (status, id).
        Index("ix_inbound_messages_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The Message-ID (as sent, without <>), or "sha256:<hex>" of the raw bytes without one:
    # the same message twice is one record.
    message_key: Mapped[str] = mapped_column(String(255), unique=True)
    source: Mapped[str] = mapped_column(String(8))
    raw: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="received")
    # Why it failed, in words (English, for the admin and the logs).
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    processed_at = mapped_column(UTCDateTime)
    # Shown in the admin's list; filled when processed (or failed), "" before.
    subject: Mapped[str] = mapped_column(String(200), default="")
    from_address: Mapped[str] = mapped_column(String(254), default="")
    outcome: Mapped[str | None] = mapped_column(String(8))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    note_id: Mapped[int | None] = mapped_column(ForeignKey("notes.id"))

    attachments: Mapped[list[InboundAttachment]] = relationship(
        back_populates="message", order_by="InboundAttachment.position"
    )


class InboundAttachment(db.Model):
    """A file that came with a message; `content` is None when it was over a size limit
    (listed, not stored)."""

    __tablename__ = "inbound_attachments"
    __table_args__ = (
        CheckConstraint("size >= 0", name="size_counted"),
        CheckConstraint("is_stored = (content IS NOT NULL)", name="stored_has_content"),
        Index("ix_inbound_attachments_case_id_id", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    position: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    is_stored: Mapped[bool] = mapped_column(Boolean)
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))

    message: Mapped[InboundMessage] = relationship(back_populates="attachments")


class CaseMessageId(db.Model):
    """A Message-ID relq received or sent for a case: a reply naming it in In-Reply-To or
    References is a note on that case. Outgoing mail about a case records its own with
    `relq.mailin.services.remember_sent_message`."""

    __tablename__ = "case_message_ids"

    message_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
