"""A closed case's customer receives one survey: once, not when opted out, not without an
address, in their language; after the delay, and not when the case was reopened meanwhile."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from relq.audit.models import AuditEvent
from relq.csat import services
from relq.csat.services import token_digest
from relq.db import db, transaction, utcnow
from tests.csat.conftest import closed_case, customer_mail, link_of, surveys
from tests.factories import transition


def test_closing_sends_one_survey_in_japanese(org, surveys_at_once):
    with transaction():
        case = closed_case(org)
    [message] = customer_mail(surveys_at_once)
    rcpt, mail = message
    assert rcpt == ["kyaku@example.jp"]
    assert "アンケート" in mail["Subject"] and case.ref in mail["Subject"]
    token = link_of(mail)
    assert len(token) >= 43  # 32 random bytes: 256 bits
    [survey] = surveys()
    assert survey.case_id == case.id and survey.state == "sent"
    assert survey.department_id == org.qa.id and survey.channel == "phone"
    # Only the digest is kept, never the token.
    assert survey.token_digest == token_digest(token) != token
    assert survey.expires_at - survey.sent_at == timedelta(days=14)
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "csat.sent")).all()
    assert [e.case_id for e in events] == [case.id]
    assert token not in str(events[0].after)


def test_a_case_closed_again_is_not_asked_twice(org, surveys_at_once):
    with transaction():
        case = closed_case(org)
    with transaction():
        transition(
            case,
            actor=org.operator,
            action="reopen",
            expected_version=case.version,
            reason="お客様から再度連絡",
        )
        transition(case, actor=org.operator, action="resolve", expected_version=case.version)
        transition(case, actor=org.operator, action="close", expected_version=case.version)
    assert len(customer_mail(surveys_at_once)) == 1
    assert len(surveys()) == 1


def test_no_survey_for_a_customer_who_opted_out(org, surveys_at_once):
    with transaction():
        case = closed_case(org, opt_out=True)
    assert customer_mail(surveys_at_once) == [] and surveys() == []
    assert case.customer.survey_opt_out is True
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "customer.survey_opt_out")
    )
    assert event.entity_id == case.customer_id and event.actor_id == org.operator.id


def test_no_survey_without_an_address(org, surveys_at_once):
    with transaction():
        closed_case(org, email="")  # the customer left only a name
    assert customer_mail(surveys_at_once) == [] and surveys() == []


def test_no_survey_without_a_customer_or_without_mail(org, app, surveys_at_once):
    from tests.factories import make_case

    with transaction():
        make_case(org.operator, department=org.qa, status="closed")
    app.config["MAIL_SERVER"] = ""
    with transaction():
        closed_case(org, email="other@example.jp")
    assert customer_mail(surveys_at_once) == [] and surveys() == []


def test_english_for_a_customer_who_reads_english(org, surveys_at_once):
    with transaction():
        closed_case(org, email="jane@example.com", language="en")
    [(rcpt, mail)] = customer_mail(surveys_at_once, "jane@example.com")
    assert "How did we do?" in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Thank you for contacting us" in body
    assert surveys()[0].language == "en"


def test_the_language_given_at_intake_is_kept_for_a_returning_customer(org, surveys_at_once):
    with transaction():
        closed_case(org, email="jane@example.com", language="en")
        second = closed_case(org, email="jane@example.com", language="")
    assert second.customer.language == "en"
    assert [s.language for s in surveys()] == ["en", "en"]


def test_the_survey_waits_for_the_delay_and_the_clock_sends_it(org, app, smtp):
    app.config.update(CSAT_DELAY_HOURS=24)
    with transaction():
        closed_case(org)
    [survey] = surveys()
    assert survey.state == "pending" and survey.token_digest is None
    assert customer_mail(smtp) == []
    with transaction():
        assert services.tick(utcnow() + timedelta(hours=23))["sent"] == 0
    assert customer_mail(smtp) == []
    with transaction():
        assert services.tick(utcnow() + timedelta(hours=25))["sent"] == 1
    assert len(customer_mail(smtp)) == 1
    db.session.refresh(survey)
    assert survey.state == "sent" and survey.token_digest == token_digest(
        link_of(customer_mail(smtp)[0][1])
    )
    with transaction():
        assert services.tick(utcnow() + timedelta(hours=26))["sent"] == 0
    assert len(customer_mail(smtp)) == 1


def test_a_case_reopened_within_the_delay_sends_nothing(org, app, smtp):
    app.config.update(CSAT_DELAY_HOURS=24)
    with transaction():
        case = closed_case(org)
    with transaction():
        transition(
            case,
            actor=org.operator,
            action="reopen",
            expected_version=case.version,
            reason="まだ解決していない",
        )
    assert surveys()[0].state == "cancelled"
    with transaction():
        assert services.tick(utcnow() + timedelta(hours=25)) == {"sent": 0, "cancelled": 0}
    assert customer_mail(smtp) == []
    # Closed again: due again from the new closing.
    with transaction():
        transition(case, actor=org.operator, action="resolve", expected_version=case.version)
        transition(case, actor=org.operator, action="close", expected_version=case.version)
    [survey] = surveys()
    assert survey.state == "pending"
    with transaction():
        assert services.tick(utcnow() + timedelta(hours=25))["sent"] == 1
    assert len(customer_mail(smtp)) == 1


def test_a_case_reopened_after_it_was_due_but_before_the_tick_is_not_asked(org, app, smtp):
    app.config.update(CSAT_DELAY_HOURS=1)
    with transaction():
        case = closed_case(org)
        # Reopened by a bulk tool that sends no signal the survey listens to: the tick re-checks.
        case.status = "in_progress"
    with transaction():
        assert services.tick(utcnow() + timedelta(hours=2)) == {"sent": 0, "cancelled": 1}
    assert customer_mail(smtp) == []


def test_an_smtp_server_that_is_down_leaves_the_survey_for_a_new_link(org, app, smtp):
    from tests.notify.conftest import free_port

    port = app.config["MAIL_PORT"]
    app.config.update(CSAT_DELAY_HOURS=0, MAIL_PORT=free_port())  # nothing listens there
    with transaction():
        closed_case(org)
    [survey] = surveys()
    db.session.refresh(survey)
    assert survey.state == "pending" and survey.attempts == 1
    assert survey.token_digest is None and survey.sent_at is None
    app.config.update(MAIL_PORT=port)
    with transaction():
        assert services.tick(utcnow() + timedelta(hours=1))["sent"] == 1
    assert len(customer_mail(smtp)) == 1
    db.session.refresh(survey)
    assert survey.state == "sent" and survey.attempts == 2


def test_closing_is_not_refused_when_the_survey_cannot_be_planned(org, surveys_at_once):
    """The customer's side never blocks the case: a closed case stays closed."""
    with transaction():
        case = closed_case(org, email="")
    assert case.status == "closed"
