"""E-mail intake's rules: store every message first, then make it a case or a note.

`receive_message` stores the raw bytes once per Message-ID (or digest); `process_message`
reads one stored message into a new case (through `relq.cases.services.create_case`) or a
note on the case it answers; what cannot be read is kept as failed, with the reason in words,
for an admin to retry or dismiss (relq/mailin/failed.py); attachments are reached through
their case (relq/mailin/attachments.py). Services flush and never commit.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from relq import access
from relq.audit.services import record
from relq.cases.models import Case, Note
from relq.cases.services import (
    CaseInput,
    CustomerInput,
    DuplicateSubmission,
    add_note,
    create_case,
    transition_case,
)
from relq.db import db, utcnow
from relq.errors import Conflict, Invalid
from relq.mailin.models import (
    SOURCES,
    CaseMessageId,
    InboundAttachment,
    InboundMessage,
)
from relq.mailin.parsing import ParsedMail, Unreadable, header_lines, message_key, parse
from relq.org.models import User

log = logging.getLogger(__name__)

_INSERT = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}
SUBJECT_REF = re.compile(r"\bC-(\d{4})-(\d{1,9})\b", re.IGNORECASE)
MAX_SUBJECT = 200
# A date the sender's clock claims further from our own than this is not believed.
CLOCK_TRUST = timedelta(days=30)


class IntakeUserInvalid(Invalid):
    """RELQ_MAIL_INTAKE_USER does not name an active operator of a customer-contact
    department; the words say what is wrong."""

    def __init__(self, words: str):
        super().__init__("mail_intake_user_invalid", words)
        self.words = words


class MessageTooLarge(Invalid):
    def __init__(self, size: int, limit: int):
        super().__init__("mail_too_large", size, limit)
        self.size, self.limit = size, limit


@dataclass(frozen=True)
class Limits:
    message_bytes: int
    attachment_bytes: int
    attachments_per_message_bytes: int
    body_chars: int

    @classmethod
    def from_config(cls) -> Limits:
        config = current_app.config
        return cls(
            message_bytes=config["MAILIN_MAX_MESSAGE_BYTES"],
            attachment_bytes=config["MAILIN_MAX_ATTACHMENT_BYTES"],
            attachments_per_message_bytes=config["MAILIN_MAX_ATTACHMENTS_BYTES"],
            body_chars=config["MAILIN_MAX_BODY_CHARS"],
        )


def intake_user() -> User:
    """The user e-mailed cases are created by (RELQ_MAIL_INTAKE_USER, an e-mail address).
    Raises IntakeUserInvalid unless it is an active operator of a customer-contact
    department."""
    address = (current_app.config.get("MAILIN_INTAKE_USER") or "").strip().lower()
    if not address:
        raise IntakeUserInvalid("RELQ_MAIL_INTAKE_USER is not set")
    user = db.session.scalar(select(User).where(func.lower(User.email) == address))
    if user is None:
        raise IntakeUserInvalid(f"RELQ_MAIL_INTAKE_USER {address!r} is no user of relq")
    if not user.is_active:
        raise IntakeUserInvalid(f"RELQ_MAIL_INTAKE_USER {address!r} is deactivated")
    if user.role != "operator" or not access.can_create_case(user):
        raise IntakeUserInvalid(
            f"RELQ_MAIL_INTAKE_USER {address!r} must be an operator of a customer-contact "
            "department"
        )
    return user


def receive_message(raw: bytes, *, source: str) -> InboundMessage:
    """Store one message as it arrived, before anything is read from it. The same Message-ID
    (or, without one, the same bytes) a second time returns the first record: one record,
    one case. Raises MessageTooLarge past MAILIN_MAX_MESSAGE_BYTES, ValueError for an unknown
    source. Writes at once (one INSERT ... ON CONFLICT DO NOTHING), never commits."""
    if source not in SOURCES:
        raise ValueError(f"unknown mail source {source!r}")
    if not isinstance(raw, bytes | bytearray):
        raise TypeError("a message is bytes")
    limit = current_app.config["MAILIN_MAX_MESSAGE_BYTES"]
    if len(raw) > limit:
        raise MessageTooLarge(len(raw), limit)
    key = message_key(bytes(raw))
    # One statement: the database's UNIQUE key decides, also against a concurrent twin
    # (a read first and an insert after would race it, and cost two round trips more).
    insert = _INSERT[db.session.get_bind().dialect.name](InboundMessage)
    stored = db.session.scalar(
        insert.values(
            message_key=key,
            source=source,
            raw=bytes(raw),
            size=len(raw),
            status="received",
            error="",
            attempts=0,
            received_at=utcnow(),
            subject="",
            from_address="",
        )
        .on_conflict_do_nothing(index_elements=["message_key"])
        .returning(InboundMessage)
    )
    if stored is None:  # stored before (or meanwhile, by another process): that is the record
        stored = db.session.scalar(select(InboundMessage).where(InboundMessage.message_key == key))
    return stored


def remember_sent_message(case: Case, message_id: str) -> None:
    """Record the Message-ID of mail relq sends to the customer about `case` (without <>), so
    that the customer's reply, which names it in In-Reply-To, becomes a note on the case.
    Flushes, never commits; a Message-ID already known is left as it is."""
    message_id = message_id.strip().strip("<>")[:255]
    if not message_id or db.session.get(CaseMessageId, message_id) is not None:
        return
    db.session.add(CaseMessageId(message_id=message_id, case_id=case.id))
    db.session.flush()


def _case_answered(parsed: ParsedMail, actor: User) -> Case | None:
    """The case this message answers: one whose Message-ID (received or sent) it names in
    In-Reply-To or References, else the case whose ref is in the subject if the sender is
    that case's customer (a ref alone, from anyone, would let a stranger write on any case)."""
    named = [*parsed.in_reply_to, *reversed(parsed.references)]
    if named:
        known = dict(
            db.session.execute(
                select(CaseMessageId.message_id, CaseMessageId.case_id).where(
                    CaseMessageId.message_id.in_(named)
                )
            ).all()
        )
        for message_id in named:
            if message_id in known:
                case = db.session.get(Case, known[message_id])
                if case is not None and access.can_see_case(actor, case):
                    return case
    for match in SUBJECT_REF.finditer(parsed.subject):
        case = db.session.get(Case, int(match.group(2)))
        if (
            case is not None
            and case.ref.lower() == match.group(0).lower()
            and case.customer is not None
            and (case.customer.email or "").lower() == parsed.from_address
            and access.can_see_case(actor, case)
        ):
            return case
    return None


def _words(parsed: ParsedMail, limits: Limits) -> str:
    text = parsed.reply or parsed.body
    if len(text) > limits.body_chars:
        text = text[: limits.body_chars] + "\n…"
    return text


def _received_at(parsed: ParsedMail, message: InboundMessage) -> datetime:
    sent = parsed.sent_at
    if sent is None or abs(sent - message.received_at) > CLOCK_TRUST:
        return message.received_at
    return min(sent, message.received_at)


def _store_attachments(message: InboundMessage, parsed: ParsedMail, case: Case, limits: Limits):
    stored_total = 0
    for position, attachment in enumerate(parsed.attachments, start=1):
        size = len(attachment.content)
        keep = (
            size <= limits.attachment_bytes
            and stored_total + size <= limits.attachments_per_message_bytes
        )
        stored_total += size if keep else 0
        db.session.add(
            InboundAttachment(
                message_id=message.id,
                case_id=case.id,
                position=position,
                filename=attachment.filename,
                content_type=attachment.content_type,
                size=size,
                is_stored=keep,
                content=attachment.content if keep else None,
            )
        )


def process_message(message: InboundMessage, *, actor: User, limits: Limits | None = None) -> str:
    """Read a received message into a new case or a note on the case it answers, and mark it
    processed; returns "case" or "note". Raises Unreadable (the message cannot be read),
    or a DomainError of the cases' services; the caller marks the message failed then
    (`process_pending` does, each message in a savepoint of its own)."""
    if message.status != "received":
        raise Conflict("mail_not_waiting", message.status)
    limits = limits or Limits.from_config()
    parsed = parse(message.raw)
    message.subject = parsed.subject[:MAX_SUBJECT]
    message.from_address = parsed.from_address[:254]
    case = _case_answered(parsed, actor)
    note: Note | None = None
    if case is not None:
        body = _words(parsed, limits) or parsed.subject or "-"
        note = add_note(case, actor=actor, kind="customer_reply", body=body)
        if case.status == "awaiting_customer":
            transition_case(
                case, actor=actor, action="customer_replied", expected_version=case.version
            )
        outcome = "note"
    else:
        # The intake token makes the database itself refuse a second case for one message.
        token = "mail:" + hashlib.sha256(message.message_key.encode()).hexdigest()[:59]
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            no_subject = _("(no subject)")
        subject = (parsed.subject or no_subject)[:MAX_SUBJECT]
        try:
            case = create_case(
                actor,
                CaseInput(
                    intake_token=token,
                    kind="inquiry",
                    channel="email",
                    received_at=_received_at(parsed, message),
                    subject=subject,
                    customer_words=_words(parsed, limits) or subject,
                    customer=CustomerInput(name=parsed.from_name[:120], email=parsed.from_address),
                ),
            )
        except DuplicateSubmission as earlier:  # made before (a retry after a crash): that one
            case = earlier.case
        outcome = "case"
    _store_attachments(message, parsed, case, limits)
    remember_sent_message(case, parsed.message_id or message.message_key)
    message.status = "processed"
    message.outcome = outcome
    message.case_id = case.id
    message.note_id = note.id if note is not None else None
    message.error = ""
    message.attempts += 1
    message.processed_at = utcnow()
    db.session.flush()
    record(
        f"mail.became_{outcome}",
        actor=actor,
        entity_type="inbound_message",
        entity_id=message.id,
        case_id=case.id,
        after={"outcome": outcome, "attachments": len(parsed.attachments)},
    )
    return outcome


def _error_words(error: Exception) -> str:
    if isinstance(error, Unreadable):
        return f"Unreadable: {error}"
    if isinstance(error, IntegrityError):
        return f"The database refused it: {error.orig}"[:2000]
    detail = " ".join(str(a) for a in getattr(error, "args", ()) if a)
    return f"{type(error).__name__}: {detail}"[:2000] if detail else type(error).__name__


def mark_failed(message: InboundMessage, error: Exception) -> None:
    """Keep the message, failed, with why in words (for the admin's list). Flushes."""
    message.status = "failed"
    message.error = _error_words(error)
    if not (message.subject or message.from_address):
        # What the headers say, as far as they can be read, for the admin's list.
        try:
            heads = {name.lower(): value for name, value in header_lines(message.raw)}
        except Exception:  # noqa: BLE001 (not even headers: the list shows a dash)
            heads = {}
        message.subject = heads.get("subject", "")[:MAX_SUBJECT]
        message.from_address = heads.get("from", "")[:254]
    message.attempts += 1
    message.processed_at = utcnow()
    db.session.flush()
    record(
        "mail.failed",
        actor=None,
        entity_type="inbound_message",
        entity_id=message.id,
        after={"error": message.error[:300]},
    )


def claim_batch(size: int) -> list[InboundMessage]:
    """Up to `size` received messages, oldest first, locked for this transaction on
    PostgreSQL (skipping those another worker holds); SQLite's one writer needs no lock."""
    query = (
        select(InboundMessage)
        .options(undefer(InboundMessage.raw))  # read now, in the same statement
        .where(InboundMessage.status == "received")
        .order_by(InboundMessage.id)
        .limit(size)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def process_batch(size: int, *, actor: User, limits: Limits | None = None) -> dict[str, int]:
    """Process up to `size` waiting messages, each in a savepoint: one that fails is kept as
    failed and the others go on. Returns the counts {"case", "note", "failed"}. Flushes."""
    limits = limits or Limits.from_config()
    counts = {"case": 0, "note": 0, "failed": 0}
    for message in claim_batch(size):
        try:
            with db.session.begin_nested():
                outcome = process_message(message, actor=actor, limits=limits)
            counts[outcome] += 1
        except Exception as error:  # noqa: BLE001 (kept, in words, never dropped)
            log.warning("inbound message %s failed: %s", message.id, error)
            db.session.expire(message)
            mark_failed(message, error)
            counts["failed"] += 1
    return counts


def waiting_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(InboundMessage).where(InboundMessage.status == "received")
    )
