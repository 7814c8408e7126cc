"""A mailbox becomes cases: stored first, then a case or a note; duplicates, failures, retry,
the clock's step and a flood of mail, on the database under test."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from relq.audit.models import AuditEvent
from relq.cases.models import Case, Customer, Note
from relq.db import db, transaction, utcnow
from relq.errors import Conflict, NotAllowed
from relq.mailin import jobs
from relq.mailin.failed import dismiss_message, retry_message
from relq.mailin.models import CaseMessageId, InboundAttachment, InboundMessage
from relq.mailin.services import (
    IntakeUserInvalid,
    MessageTooLarge,
    intake_user,
    process_batch,
    receive_message,
    remember_sent_message,
)
from tests.factories import make_case, make_user, transition
from tests.mailin.conftest import CORPUS, corpus


def take_in(raw: bytes, source: str = "cli") -> InboundMessage:
    with transaction():
        message = receive_message(raw, source=source)
    with transaction():
        process_batch(100, actor=intake_user())
    db.session.refresh(message)
    return message


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_message_becomes_a_case(intake, org):
    message = take_in(corpus("iso2022jp_nec.eml"))
    assert (message.status, message.outcome, message.error) == ("processed", "case", "")
    case = db.session.get(Case, message.case_id)
    assert case.channel == "email" and case.kind == "inquiry"
    assert case.subject == "㈱髙島屋の件①"
    assert case.customer_words.startswith("㈱髙島屋で買った商品について①と②の点で")
    assert case.customer.email == "takahashi@example.jp" and case.customer.name == "髙橋 太郎"
    assert case.created_by_id == intake.id and case.intake_department_id == org.cs.id
    assert case.status == "received"
    # Dated by the sender's Date header (within a month of arrival), else by arrival.
    assert message.subject == "㈱髙島屋の件①" and message.from_address == "takahashi@example.jp"
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)
    ).all()
    assert actions[0] == "case.created" and "mail.became_case" in actions


@pytest.mark.parametrize(
    "name",
    [p.name for p in sorted(CORPUS.glob("*.eml")) if p.name not in ("broken.eml",)],
)
def test_every_readable_corpus_message_is_taken_in(intake, name):
    raw = corpus(name).replace(b"{ref}", b"C-2026-999999")
    message = take_in(raw)
    assert message.status == "processed", message.error
    case = db.session.get(Case, message.case_id)
    assert case.subject and case.customer_words
    assert "\ufffd" not in case.subject + case.customer_words


def test_the_same_message_id_twice_is_one_record_and_one_case(intake):
    raw = corpus("utf8_base64.eml")
    first = take_in(raw)
    again = take_in(raw)
    # A relay that rewrote the bytes but kept the Message-ID: still the same message.
    rewrapped = take_in(b"X-Relay: yes\r\n" + raw)
    assert first.id == again.id == rewrapped.id
    assert count(InboundMessage) == 1 and count(Case) == 1
    no_id = corpus("no_message_id.eml")
    assert take_in(no_id).id == take_in(no_id).id
    assert count(Case) == 2


def test_a_reply_becomes_a_note_and_the_case_moves_on(intake, org):
    first = take_in(corpus("utf8_base64.eml"))
    case = db.session.get(Case, first.case_id)
    with transaction():
        transition(case, actor=org.operator, action="await_customer", expected_version=case.version)
    assert case.status == "awaiting_customer"
    reply = take_in(corpus("reply_gmail_ja.eml"))
    assert (reply.outcome, reply.case_id) == ("note", case.id)
    note = db.session.get(Note, reply.note_id)
    assert note.kind == "customer_reply"
    assert note.body == "お返事ありがとうございます。\n写真を添付しました。"
    db.session.refresh(case)
    assert case.status == "in_progress"
    assert count(Case) == 1
    assert db.session.scalar(
        select(AuditEvent.id).where(
            AuditEvent.action == "case.customer_replied", AuditEvent.case_id == case.id
        )
    )


def test_a_reply_to_mail_relq_sent_finds_its_case(intake, org):
    case = make_case(org.operator, status="in_progress", department=org.qa)
    db.session.commit()
    with transaction():
        remember_sent_message(case, "<utf8-b64@mail.example.jp>")
    reply = take_in(corpus("reply_gmail_ja.eml"))
    assert (reply.outcome, reply.case_id) == ("note", case.id)
    db.session.refresh(case)
    assert case.status == "in_progress"  # not waiting for the customer: no move


def test_the_case_ref_in_the_subject_counts_from_the_cases_customer_only(intake, org):
    from relq.cases.services import CustomerInput

    case = make_case(org.operator, customer=CustomerInput(email="customer@example.jp"))
    db.session.commit()
    raw = corpus("reply_outlook_ref.eml").replace(b"{ref}", case.ref.encode())
    reply = take_in(raw)
    assert (reply.outcome, reply.case_id) == ("note", case.id)
    assert db.session.get(Note, reply.note_id).body == "承知しました。来週まで待ちます。"
    stranger = raw.replace(b"customer@example.jp", b"someone@else.example").replace(
        b"reply-outlook@", b"reply-stranger@"
    )
    other = take_in(stranger)
    assert other.outcome == "case" and other.case_id != case.id


def test_attachments_under_the_limit_stored_over_it_listed(intake):
    message = take_in(corpus("attachments.eml"))
    rows = db.session.scalars(
        select(InboundAttachment)
        .where(InboundAttachment.message_id == message.id)
        .order_by(InboundAttachment.position)
    ).all()
    assert [(a.filename, a.size, a.is_stored) for a in rows] == [
        ("保証書.pdf", 223, True),
        ("写真.raw", 4096, False),  # over MAILIN_MAX_ATTACHMENT_BYTES (2 KiB)
        ("page.html", 25, True),
    ]
    assert rows[0].content.startswith(b"%PDF") and rows[1].content is None
    assert all(a.case_id == message.case_id for a in rows)


def test_the_per_message_total_limit(app, intake):
    app.config["MAILIN_MAX_ATTACHMENTS_BYTES"] = 230
    message = take_in(corpus("attachments.eml"))
    stored = db.session.scalars(
        select(InboundAttachment.is_stored)
        .where(InboundAttachment.message_id == message.id)
        .order_by(InboundAttachment.position)
    ).all()
    assert stored == [True, False, False]  # 223 fits, 223 + 25 does not


def test_a_broken_message_is_kept_failed_retried_and_dismissed(intake, org):
    message = take_in(corpus("broken.eml"))
    assert message.status == "failed" and message.attempts == 1
    assert "From" in message.error
    assert message.raw == corpus("broken.eml")  # kept byte for byte
    assert count(Case) == 0
    with pytest.raises(NotAllowed):
        retry_message(message, actor=org.operator)
    with transaction():
        retry_message(message, actor=org.admin)
    assert message.status == "received"
    with transaction():
        process_batch(10, actor=intake)
    db.session.refresh(message)
    assert message.status == "failed" and message.attempts == 2
    with transaction():
        dismiss_message(message, actor=org.admin)
    assert message.status == "dismissed"
    with pytest.raises(Conflict):
        retry_message(message, actor=org.admin)
    actions = set(
        db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.entity_type == "inbound_message", AuditEvent.entity_id == message.id
            )
        )
    )
    assert actions == {"mail.failed", "mail.retried", "mail.dismissed"}


def test_one_failure_does_not_stop_the_batch(intake):
    with transaction():
        for name in ("utf8_base64.eml", "broken.eml", "euc_jp.eml"):
            receive_message(corpus(name), source="imap")
    with transaction():
        counts = process_batch(10, actor=intake)
    assert counts == {"case": 2, "note": 0, "failed": 1}
    assert count(Case) == 2


def test_bad_input_is_refused_or_cleaned(app, intake):
    app.config["MAILIN_MAX_MESSAGE_BYTES"] = 1000
    with pytest.raises(MessageTooLarge):
        receive_message(corpus("attachments.eml"), source="cli")
    with pytest.raises(ValueError, match="source"):
        receive_message(corpus("utf8_qp.eml"), source="smtp")
    db.session.rollback()
    # Control characters in an encoded subject, and a subject over 200 characters.
    raw = corpus("utf8_qp.eml").replace(
        b"Subject: =?UTF-8?Q?", b"Subject: =?UTF-8?Q?=00=1B" + b"A" * 300
    )
    message = take_in(raw)
    case = db.session.get(Case, message.case_id)
    assert "\x00" not in case.subject and "\x1b" not in case.subject
    assert len(case.subject) == 200


def test_the_intake_user_must_be_an_operator_of_a_contact_department(app, org):
    for value in ("", "nobody@example.jp", org.lead_qa.email, org.admin.email):
        app.config["MAILIN_INTAKE_USER"] = value
        with pytest.raises(IntakeUserInvalid):
            intake_user()
    with transaction():
        off = make_user("operator", org.cs)
        off.is_active = False
    app.config["MAILIN_INTAKE_USER"] = off.email
    with pytest.raises(IntakeUserInvalid, match="deactivated"):
        intake_user()
    app.config["MAILIN_INTAKE_USER"] = org.operator.email.upper()
    assert intake_user() == org.operator


def test_the_clock_refuses_without_an_intake_user_and_keeps_what_waits(app, org):
    with transaction():
        receive_message(corpus("utf8_base64.eml"), source="cli")
    app.config["MAILIN_INTAKE_USER"] = ""
    with transaction():
        said = jobs.tick(utcnow())
    assert said.startswith("stopped") and "RELQ_MAIL_INTAKE_USER" in said
    assert db.session.scalar(select(InboundMessage.status)) == "received"
    app.config["MAILIN_INTAKE_USER"] = org.operator.email
    with transaction():
        assert jobs.tick(utcnow()) == "scheduled"
    # Background work is off in tests: the job ran right after the clock's commit.
    db.session.rollback()
    assert db.session.scalar(select(InboundMessage.status)) == "processed"
    assert count(Case) == 1
    with transaction():
        assert jobs.tick(utcnow()) == "nothing waiting"


def test_a_flood_is_stored_at_once_then_processed_in_batches(app, intake):
    """A mail bomb: every message stored before any is processed, then worked through in
    batches (each its own transaction), nothing lost, duplicates still single."""
    app.config["MAILIN_BATCH_SIZE"] = 40
    template = corpus("utf8_base64.eml")
    n = 150
    with transaction():
        for i in range(n):
            receive_message(template.replace(b"<utf8-b64@", f"<flood-{i}@".encode()), source="imap")
        receive_message(template.replace(b"<utf8-b64@", b"<flood-0@"), source="imap")
    assert count(InboundMessage) == n and count(Case) == 0
    batches = []
    totals = jobs.process_waiting(progress=batches.append)
    assert totals == {"case": n, "note": 0, "failed": 0}
    assert batches == [40, 40, 40, 30, 0]
    assert count(Case) == n
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(InboundMessage)
            .where(InboundMessage.status != "processed")
        )
        == 0
    )
    assert count(CaseMessageId) == n


def test_customers_found_by_their_address(intake):
    take_in(corpus("utf8_base64.eml"))
    take_in(corpus("utf8_qp.eml"))
    assert count(Customer) == 1  # both from customer@example.jp
