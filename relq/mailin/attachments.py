"""Attachments of e-mailed cases, reached only through their case (the caller has loaded the
case through its scope): the case page's list and the download."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from relq.cases.models import Case
from relq.db import db
from relq.errors import NotFound
from relq.mailin.models import InboundAttachment, InboundMessage

# Content types a browser may be told as they are; anything else is application/octet-stream.
SAFE_CONTENT_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/msword",
        "application/vnd.ms-excel",
    }
)


@dataclass(frozen=True)
class AttachmentRow:
    id: int
    filename: str
    size: int
    is_stored: bool
    received_at: datetime


def case_attachments(case: Case) -> list[AttachmentRow]:
    """The files e-mailed on `case` (the caller has already reached the case through scope)."""
    query = (
        select(
            InboundAttachment.id,
            InboundAttachment.filename,
            InboundAttachment.size,
            InboundAttachment.is_stored,
            InboundMessage.received_at,
        )
        .join(InboundMessage, InboundMessage.id == InboundAttachment.message_id)
        .where(InboundAttachment.case_id == case.id)
        .order_by(InboundAttachment.id)
    )
    return [AttachmentRow(*row) for row in db.session.execute(query)]


def attachment_of_case(case: Case, attachment_id: int) -> InboundAttachment:
    """A stored attachment of `case` (reached through the case's scope). Raises NotFound for
    another case's file or one that was over the limit (listed, not stored)."""
    attachment = db.session.get(InboundAttachment, attachment_id)
    if attachment is None or attachment.case_id != case.id or not attachment.is_stored:
        raise NotFound("attachment")
    return attachment


def served_content_type(attachment: InboundAttachment) -> str:
    kind = (attachment.content_type or "").lower()
    return kind if kind in SAFE_CONTENT_TYPES else "application/octet-stream"
