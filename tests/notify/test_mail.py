"""E-mail over real SMTP (aiosmtpd on 127.0.0.1): in the reader's language, after the commit,
never lost and never sent twice, and never in the way of the case."""

from __future__ import annotations

from datetime import timedelta

from relq.answers.services import answer_case
from relq.cases.models import Case
from relq.cases.services import transition_case
from relq.db import db, transaction, utcnow
from relq.notify.mail import (
    STALE_CLAIM,
    claim_pending,
    deliver_pending,
    wait_for_mail_worker,
)
from relq.notify.models import MAX_EMAIL_ATTEMPTS
from relq.notify.services import tick
from tests.factories import make_case, make_user
from tests.notify.conftest import notifications, quiet_case


def _route_in_a_request_like_transaction(org, department):
    case = make_case(org.operator, subject="配送が遅れている", customer_words="まだ届きません。")
    db.session.commit()
    with transaction():
        transition_case(
            case,
            actor=org.operator,
            action="route",
            expected_version=case.version,
            department_id=department.id,
        )
    return case


def test_routed_case_is_mailed_after_commit_in_the_readers_language(org, smtp):
    english_lead = make_user("lead", org.qa, locale="en", name="Emma Clark")
    case = _route_in_a_request_like_transaction(org, org.qa)

    (japanese,) = smtp.to(org.lead_qa)
    (english,) = smtp.to(english_lead)
    assert len(smtp.messages) == 2  # one message per person, nobody else
    assert japanese["Subject"] == f"[relq] {case.ref} が品質保証部に振り分けられました"
    assert english["Subject"] == f"[relq] {case.ref} was routed to Quality Assurance"
    assert japanese["From"] == "relq <relq@localhost>"
    assert japanese["To"].addresses[0].addr_spec == org.lead_qa.email
    assert japanese["Auto-Submitted"] == "auto-generated"
    body = english.get_content()
    assert body.startswith("Dear Emma Clark,")
    assert case.ref in body and "配送が遅れている" in body
    assert f"http://127.0.0.1:5000/cases/{case.id}" in body
    assert "http://127.0.0.1:5000/notifications/preferences" in body
    for row in notifications(event="routed"):
        assert row.email_state == "sent" and row.email_attempts == 1
        assert row.emailed_at is not None


def test_links_follow_the_configured_address(app, org, smtp):
    app.config["RELQ_BASE_URL"] = "https://relq.example.jp/voice"
    case = _route_in_a_request_like_transaction(org, org.qa)
    (message,) = smtp.to(org.lead_qa)
    assert f"https://relq.example.jp/voice/cases/{case.id}" in message.get_content()


def test_answer_mail_quotes_the_reason(org, smtp):
    from relq.notify.models import NotificationPreference

    db.session.add(
        NotificationPreference(user_id=org.operator.id, event="answered", in_app=True, email=True)
    )
    case = quiet_case(org)
    db.session.commit()
    with transaction():
        answer_case(
            case,
            actor=org.lead_qa,
            answer="declined",
            expected_version=case.version,
            body="製造工程に異常はありませんでした",
        )
    (message,) = smtp.to(org.operator)
    assert "品質保証部" in message["Subject"] and case.ref in message["Subject"]
    assert "製造工程に異常はありませんでした" in message.get_content()


def test_no_mail_for_those_who_did_not_ask(org, smtp):
    # "answered" is in the app only by default.
    case = quiet_case(org)
    db.session.commit()
    with transaction():
        answer_case(case, actor=org.lead_qa, answer="acknowledged", expected_version=case.version)
    assert smtp.to(org.operator) == []
    assert notifications(org.operator, "answered")[0].email_state == "none"


def test_nothing_is_sent_when_the_change_rolls_back(org, smtp):
    case = make_case(org.operator, subject="配送が遅れている", customer_words="まだ届きません。")
    db.session.commit()
    try:
        with transaction():
            transition_case(
                case,
                actor=org.operator,
                action="route",
                expected_version=case.version,
                department_id=org.qa.id,
            )
            raise RuntimeError("the request failed after routing")
    except RuntimeError:
        pass
    assert smtp.messages == [] and notifications() == []


def test_smtp_down_keeps_the_case_and_the_mail_for_later(app, org, mail_down):
    case = _route_in_a_request_like_transaction(org, org.qa)

    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "routed"  # the case is saved
    (row,) = notifications(org.lead_qa, "routed")
    assert row.email_state == "pending" and row.email_attempts == 1
    assert row.read_at is None  # and the in-app notification is there

    # Retried when its time comes, up to MAX_EMAIL_ATTEMPTS, then left failed.
    now = utcnow()
    assert deliver_pending(now=now)["claimed"] == 0  # too soon after the first attempt
    for attempt in range(2, MAX_EMAIL_ATTEMPTS + 1):
        now += timedelta(hours=2)
        summary = deliver_pending(now=now)
        assert summary["claimed"] == 1, attempt
        db.session.refresh(row)
        assert row.email_attempts == attempt
    assert row.email_state == "failed" and summary["failed"] == 1
    assert deliver_pending(now=now + timedelta(days=1))["claimed"] == 0


def test_smtp_back_up_sends_what_waited(app, org, mail_down, smtp):
    # mail_down's port is dead; then the server comes back (smtp fixture's port).
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1  # nothing listens there
    _route_in_a_request_like_transaction(org, org.qa)
    (row,) = notifications(org.lead_qa, "routed")
    assert row.email_state == "pending"
    app.config["MAIL_PORT"] = port
    summary = deliver_pending(now=utcnow() + timedelta(minutes=2))
    assert summary["sent"] == 1 and len(smtp.to(org.lead_qa)) == 1
    db.session.refresh(row)
    assert row.email_state == "sent" and row.email_attempts == 2


def test_a_refused_recipient_does_not_hold_back_the_others(app, org, smtp):
    second_lead = make_user("lead", org.qa)
    smtp.refuse.add(org.lead_qa.email)
    _route_in_a_request_like_transaction(org, org.qa)
    assert len(smtp.to(second_lead)) == 1
    states = {n.user_id: n.email_state for n in notifications(event="routed")}
    assert states == {org.lead_qa.id: "pending", second_lead.id: "sent"}


def test_tick_sends_once(app, org, smtp):
    app.config["MAIL_QUEUE"] = "off"  # nothing sent after the commit: the tick does it
    make_user("lead", org.qa)
    quiet_case(org)
    quiet_case(org, department=org.logistics)
    db.session.commit()
    assert smtp.messages == []
    assert {n.email_state for n in notifications()} == {"pending"}

    with transaction():
        summary = tick(utcnow())
    assert summary["claimed"] == 3 and summary["sent"] == 3
    assert len(smtp.messages) == 3
    with transaction():
        again = tick(utcnow() + timedelta(hours=1))
    assert again == {"claimed": 0, "daily_summaries": {"made": 0, "claimed": 0}}
    assert len(smtp.messages) == 3
    assert {n.email_state for n in notifications()} == {"sent"}


def test_tick_without_mail_says_so(org):
    with transaction():
        assert tick(utcnow()) == {"email": "off"}


def test_two_senders_never_claim_the_same_mail(app, org):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_QUEUE="off")
    quiet_case(org)
    db.session.commit()
    now = utcnow()
    first = claim_pending(10, now=now)
    second = claim_pending(10, now=now)
    assert len(first) == 1 and second == []
    # A claim left by a sender that died is taken over once it is stale.
    assert claim_pending(10, now=now + STALE_CLAIM - timedelta(seconds=1)) == []
    assert claim_pending(10, now=now + STALE_CLAIM + timedelta(seconds=1)) == first


def test_background_thread_sends_after_commit(app, org, smtp):
    app.config["MAIL_QUEUE"] = "thread"
    _route_in_a_request_like_transaction(org, org.qa)
    wait_for_mail_worker(app)
    assert len(smtp.to(org.lead_qa)) == 1
    db.session.rollback()
    assert notifications(org.lead_qa, "routed")[0].email_state == "sent"


def test_pages_do_not_wait_for_smtp(app, org, login_as, mail_down):
    # Routing through the web page with the mail server down still routes the case.
    case = make_case(org.operator, subject="配送が遅れている", customer_words="まだ届きません。")
    client = login_as(org.operator)
    response = client.post(
        f"/cases/{case.id}/transition",
        {"action": "route", "department_id": org.qa.id, "version": case.version},
        token_from=f"/cases/{case.id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "routed"
    assert notifications(org.lead_qa, "routed")[0].email_state == "pending"
