"""The retention job: closed cases past the period lose their free text (everywhere it is kept)
and their customers their contact data; statistics, open and recent cases stay as they were."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from relq.analysis.models import CaseAnalysis
from relq.analysis.services import analyse_case
from relq.audit.models import AuditEvent
from relq.cases.models import Case, Customer, Note
from relq.cases.services import CaseFilters, CustomerInput, add_note, filter_cases
from relq.db import db, transaction, utcnow
from relq.privacy.models import CaseAnonymisation, CustomerErasure
from relq.privacy.policy import current_policy
from relq.privacy.retention import retention_step, run_retention
from relq.privacy.services import PolicyInput, save_policy
from relq.tags.models import CaseTag, Tag
from tests.factories import make_case

WORD = "ボロネーゼ"


def _policy(org, *, text_days=365, contact_days=365):
    policy = current_policy()
    save_policy(
        org.admin,
        PolicyInput(
            purpose_ja=policy.purpose_ja,
            purpose_en=policy.purpose_en,
            contact_days=contact_days,
            text_days=text_days,
            attachment_days=None,
        ),
    )


def _found(user, words: str) -> set[int]:
    return set(
        db.session.scalars(filter_cases(user, CaseFilters(text=words)).with_only_columns(Case.id))
    )


@pytest.fixture
def fixture_cases(org, age):
    """Old closed (with a customer, a note and a tag), recent closed, and old but still open."""
    with transaction():
        _policy(org)
        old = make_case(
            org.operator,
            department=org.qa,
            status="closed",
            product="冷凍パスタ",
            customer_words=f"{WORD}に髪の毛が入っていた。山田です。",
            customer=CustomerInput(name="山田 太郎", email="taro@example.jp", phone="09012345678"),
        )
        add_note(old, actor=org.operator, kind="internal", body=f"{WORD}の件、山田様へ電話済み")
        tag = db.session.scalar(select(Tag).order_by(Tag.id.desc()).limit(1))
        db.session.add(
            CaseTag(
                case_id=old.id,
                tag_id=tag.id,
                state="accepted",
                source="model",
                confidence=0.9,
                reasons=[WORD],
            )
        )
        recent = make_case(
            org.operator,
            department=org.qa,
            status="closed",
            product="冷凍パスタ",
            customer_words=f"{WORD}が冷たかった。",
            customer=CustomerInput(name="佐々木 次郎", email="jiro@example.jp"),
        )
        still_open = make_case(
            org.operator,
            department=org.qa,
            status="in_progress",
            product="冷凍パスタ",
            customer_words=f"{WORD}の賞味期限が切れていた。",
            customer=CustomerInput(name="鈴木 三郎", phone="0311112222"),
        )
        for case in (old, recent, still_open):
            analyse_case(case.id)
    with transaction():
        age(old, 800)
        age(still_open, 800)
    return old, recent, still_open


def _statistics(case_id: int) -> tuple:
    case = db.session.get(Case, case_id)
    tags = sorted(db.session.scalars(select(CaseTag.tag_id).where(CaseTag.case_id == case_id)))
    analysis = db.session.get(CaseAnalysis, case_id)
    return (
        case.kind,
        case.channel,
        case.severity,
        case.status,
        case.received_at,
        case.updated_at,
        case.intake_department_id,
        case.responsible_department_id,
        case.customer_id,
        case.product,
        tags,
        list(analysis.keyphrases),
    )


def test_old_closed_cases_are_anonymised_keeping_statistics(org, fixture_cases):
    old, recent, still_open = fixture_cases
    assert _found(org.executive, WORD) == {old.id, recent.id, still_open.id}
    before = {c.id: _statistics(c.id) for c in fixture_cases}
    open_text = (still_open.customer_words, still_open.customer.name)

    with transaction():
        done = retention_step(utcnow())
    assert done["cases_anonymised"] == 1
    assert done["customers_erased"] == 1
    db.session.expire_all()

    case = db.session.get(Case, old.id)
    assert WORD not in case.customer_words and WORD not in case.subject
    assert case.customer_words == "—"
    assert all(
        WORD not in n.body for n in db.session.scalars(select(Note).where(Note.case_id == old.id))
    )
    assert db.session.get(CaseAnalysis, old.id).search_text == ""
    assert all(
        WORD not in str(t.reasons)
        for t in db.session.scalars(select(CaseTag).where(CaseTag.case_id == old.id))
    )
    marker = db.session.get(CaseAnonymisation, old.id)
    assert marker.reason == "retention" and marker.request_id is None
    # The statistics did not move (dates included), for any of the three.
    assert {c.id: _statistics(c.id) for c in fixture_cases} == before
    # The customer of the old case is erased; the one with an open case is not.
    customer = db.session.get(Customer, old.customer_id)
    assert (customer.name, customer.email, customer.phone) == (None, None, None)
    assert db.session.get(CustomerErasure, old.customer_id).reason == "retention"
    untouched = db.session.get(Case, still_open.id)
    assert (untouched.customer_words, untouched.customer.name) == open_text
    assert db.session.get(Case, recent.id).customer.name == "佐々木 次郎"
    # The audit trail no longer holds the words either.
    created = db.session.scalar(
        select(AuditEvent).where(AuditEvent.case_id == old.id, AuditEvent.action == "case.created")
    )
    assert created.after["customer_words"] == "—" and created.after["kind"] == "complaint"
    assert not any(
        WORD in str(e.after) + str(e.before)
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == old.id))
    )
    # Search no longer finds it.
    assert _found(org.executive, WORD) == {recent.id, still_open.id}


def test_retention_is_idempotent_and_resumable(org, fixture_cases, age):
    old, _recent, _open = fixture_cases
    with transaction():
        more = [make_case(org.operator, department=org.qa, status="closed") for _ in range(4)]
    with transaction():
        for case in more:
            age(case, 900)
    with transaction():
        first = retention_step(utcnow(), limit=2)
    assert first["cases_anonymised"] == 2
    run = run_retention(limit=2)
    assert run.cases == 3
    with transaction():
        again = retention_step(utcnow())
    assert again == {"cases_anonymised": 0, "customers_erased": 0, "attachments_dropped": 0}
    assert db.session.scalar(select(sa.func.count()).select_from(CaseAnonymisation)) == 5


def test_nothing_is_erased_until_an_admin_saves_the_policy(org, age):
    with transaction():
        case = make_case(org.operator, department=org.qa, status="closed")
    with transaction():
        age(case, 5000)
    with transaction():
        assert retention_step(utcnow())["cases_anonymised"] == 0
    with transaction():
        _policy(org)
    with transaction():
        assert retention_step(utcnow())["cases_anonymised"] == 1


def test_no_period_keeps_everything(org, fixture_cases):
    with transaction():
        _policy(org, text_days=None, contact_days=None)
    with transaction():
        assert retention_step(utcnow()) == {
            "cases_anonymised": 0,
            "customers_erased": 0,
            "attachments_dropped": 0,
        }


def test_audit_trail_stays_append_only_for_other_cases(org, fixture_cases):
    _old, recent, _open = fixture_cases
    with transaction():
        retention_step(utcnow())
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE audit_events SET after = NULL WHERE case_id = :id"), {"id": recent.id}
        )
    # Even on an anonymised case only the values may change, never who or what.
    old = fixture_cases[0]
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE audit_events SET action = 'x' WHERE case_id = :id"), {"id": old.id}
        )
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE case_id = :id"), {"id": old.id})


def test_anonymised_case_page_says_so(org, fixture_cases, login_as):
    old = fixture_cases[0]
    with transaction():
        retention_step(utcnow())
    page = login_as(org.operator).get(f"/cases/{old.id}").get_data(as_text=True)
    assert 'data-testid="anonymised-notice"' in page
    assert WORD not in page


def test_digest_archive_and_notifications_lose_the_words(org, fixture_cases):
    from relq.digest.models import DigestSnapshot
    from relq.notify.models import Notification

    old, recent, _open = fixture_cases
    quote = {"case_id": old.id, "ref": "C-x", "text": f"{WORD}に髪の毛"}
    kept = {"case_id": recent.id, "ref": "C-y", "text": f"{WORD}が冷たかった"}
    with transaction():
        db.session.add(
            DigestSnapshot(
                week="2023-W01",
                scope="company",
                data={"themes": {"themes": [{"label": "異物", "verbatims": [quote, kept]}]}},
            )
        )
        mine = Notification(
            user_id=org.lead_qa.id,
            event="routed",
            case_id=old.id,
            params={"action": "route", "reason": f"{WORD}の件"},
        )
        db.session.add(mine)
    mine_id = mine.id
    with transaction():
        retention_step(utcnow())
    db.session.expire_all()
    snapshot = db.session.scalar(select(DigestSnapshot))
    verbatims = snapshot.data["themes"]["themes"][0]["verbatims"]
    assert verbatims == [quote | {"text": "—"}, kept]
    assert db.session.get(Notification, mine_id).params == {"action": "route", "reason": "—"}
    # An escalation's reason is a code, and stays.
    escalations = db.session.scalars(
        select(Notification).where(
            Notification.case_id == old.id, Notification.event == "escalation"
        )
    ).all()
    assert all(n.params["reason"] != "—" for n in escalations)


def test_mail_attachments_have_their_own_period(org, age):
    from relq.mailin.models import InboundAttachment, InboundMessage

    with transaction():
        policy = current_policy()
        save_policy(
            org.admin,
            PolicyInput(policy.purpose_ja, policy.purpose_en, None, None, attachment_days=30),
        )
        old = make_case(org.operator, department=org.qa, status="closed")
        recent = make_case(org.operator, department=org.qa, status="closed")
        for number, case in enumerate((old, recent)):
            message = InboundMessage(
                message_key=f"m{number}@example.jp",
                source="cli",
                raw=b"From: a@example.jp\r\n\r\nbody",
                size=30,
                status="processed",
                case_id=case.id,
                outcome="case",
            )
            db.session.add(message)
            db.session.flush()
            db.session.add(
                InboundAttachment(
                    message_id=message.id,
                    case_id=case.id,
                    position=0,
                    filename="領収書.pdf",
                    content_type="application/pdf",
                    size=4,
                    is_stored=True,
                    content=b"%PDF",
                )
            )
    with transaction():
        age(old, 60)
    with transaction():
        assert retention_step(utcnow())["attachments_dropped"] == 1
    with transaction():
        assert retention_step(utcnow())["attachments_dropped"] == 0
    db.session.expire_all()
    by_case = {a.case_id: a for a in db.session.scalars(select(InboundAttachment))}
    assert (by_case[old.id].is_stored, by_case[old.id].size) == (False, 4)
    assert by_case[recent.id].is_stored is True
    raw = dict(db.session.execute(select(InboundMessage.case_id, InboundMessage.raw)).all())
    assert raw[old.id] == b"" and raw[recent.id].startswith(b"From:")
    # The case's text is kept: only the files had a period this short.
    assert db.session.get(Case, old.id).customer_words != "—"
