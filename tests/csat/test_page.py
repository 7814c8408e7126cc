"""The customer's page, without login: answer once, in their language; used, expired and unknown
links get the same friendly page (410/404); bad input is refused (422) and the link stays
usable; "do not ask me again"."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa

from relq.audit.models import AuditEvent
from relq.cases.models import Customer
from relq.csat.models import CsatSurvey
from relq.db import db, transaction, utcnow
from tests.csat.conftest import closed_case, customer_mail, sent_survey, surveys


@pytest.fixture
def link(org, app, surveys_at_once):
    """A survey mailed to the customer of a closed case: its link's token, read from the mail."""
    from tests.csat.conftest import link_of

    with transaction():
        closed_case(org)
    [(_rcpt, mail)] = customer_mail(surveys_at_once)
    return link_of(mail)


def answer(client, token, **data):
    page = f"/csat/s/{token}"
    return client.post(page, data, token_from=page)


def the_survey() -> CsatSurvey:
    [survey] = surveys()
    db.session.refresh(survey)
    return survey


def test_the_page_asks_in_japanese_and_takes_one_answer(client, link):
    page = client.get(f"/csat/s/{link}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "とても不満" in text and "とても満足" in text and 'name="csrf_token"' in text
    response = answer(client, link, score="4", comment="丁寧に説明していただきました。")
    assert response.status_code == 302 and response.headers["Location"].endswith("/thanks")
    survey = the_survey()
    assert (survey.state, survey.score, survey.comment) == (
        "answered",
        4,
        "丁寧に説明していただきました。",
    )
    thanks = client.get(f"/csat/s/{link}/thanks")
    assert thanks.status_code == 200 and "ありがとう" in thanks.get_data(as_text=True)
    # Answering is not audited (the answer is the customer's): only the sending is.
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "csat.sent" in actions and not any("answer" in a for a in actions if "csat" in a)


def test_a_used_link_answers_410_and_keeps_the_first_answer(client, link):
    assert answer(client, link, score="5").status_code == 302
    again = client.get(f"/csat/s/{link}")
    assert again.status_code == 410
    assert 'data-reason="used"' in again.get_data(as_text=True)
    assert answer(client, link, score="1").status_code == 410
    assert the_survey().score == 5


def test_an_expired_link_answers_410(client, link):
    survey = the_survey()
    survey.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.get(f"/csat/s/{link}")
    assert response.status_code == 410
    assert 'data-reason="expired"' in response.get_data(as_text=True)
    assert answer(client, link, score="5").status_code == 410
    assert the_survey().state == "sent"


@pytest.mark.parametrize(
    "token",
    [secrets.token_urlsafe(32), "short", "%E3%81%82" * 20, "a" * 65],
    ids=["random", "short", "not-ascii", "too-long"],
)
def test_an_unknown_link_answers_404_with_the_same_page(client, link, token):
    response = client.get(f"/csat/s/{token}")
    assert response.status_code == 404
    assert 'data-testid="csat-refused"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"score": "9"}, "score"),
        ({"score": "0"}, "score"),
        ({"score": "abc"}, "score"),
        ({}, "score"),
        ({"score": "3", "comment": "よかった\x00です"}, "comment"),
        ({"score": "3", "comment": "\x1b[31m"}, "comment"),
        ({"score": "3", "comment": "あ" * 2001}, "comment"),
    ],
    ids=["nine", "zero", "word", "missing", "nul", "escape", "overlong"],
)
def test_bad_input_is_refused_and_the_link_still_works(client, link, data, field):
    response = answer(client, link, **data)
    assert response.status_code == 422
    assert the_survey().state == "sent" and the_survey().score is None
    assert answer(client, link, score="2", comment="").status_code == 302
    assert the_survey().score == 2


def test_the_answer_needs_the_forms_csrf_token(client, link):
    response = client.post(f"/csat/s/{link}", {"score": "5"}, csrf=False)
    assert response.status_code == 400  # the app's CSRF protection, before the view
    assert the_survey().state == "sent"


def test_a_comment_of_2000_characters_is_kept(client, link):
    assert answer(client, link, score="3", comment="あ" * 2000).status_code == 302
    assert len(the_survey().comment) == 2000


def test_do_not_ask_me_again(org, app, client, link, surveys_at_once):
    page = f"/csat/s/{link}"
    response = client.post(f"{page}/opt-out", {}, token_from=page)
    assert response.status_code == 200
    assert 'data-testid="csat-opted-out"' in response.get_data(as_text=True)
    customer = db.session.scalar(sa.select(Customer).where(Customer.email == "kyaku@example.jp"))
    assert customer.survey_opt_out is True
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "customer.survey_opt_out")
    )
    assert event.entity_id == customer.id and event.actor_id is None
    # The survey may still be answered; the customer's next closed case asks nothing.
    assert answer(client, link, score="4").status_code == 302
    with transaction():
        closed_case(org)
    assert len(customer_mail(surveys_at_once)) == 1 and len(surveys()) == 1


def test_opting_out_needs_the_csrf_token(client, link):
    response = client.post(f"/csat/s/{link}/opt-out", {}, csrf=False)
    assert response.status_code == 400
    customer = db.session.scalar(sa.select(Customer).where(Customer.email == "kyaku@example.jp"))
    assert customer.survey_opt_out is False


def test_opting_out_from_an_unknown_or_expired_link(client, link):
    unknown = secrets.token_urlsafe(32)
    assert client.post(f"/csat/s/{unknown}/opt-out", {}).status_code == 404
    survey = the_survey()
    survey.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.post(f"/csat/s/{link}/opt-out", {}).status_code == 410


def test_the_page_speaks_english_to_an_english_customer(org, client, session):
    token = secrets.token_urlsafe(32)
    with transaction():
        case = closed_case(org, email="jane@example.com", language="en")
        survey = sent_survey(case, token=token)
        survey.language = "en"
    text = client.get(f"/csat/s/{token}").get_data(as_text=True)
    assert "Very dissatisfied" in text and "How did we do?" in text
    assert "とても不満" not in text


def test_the_token_is_not_in_the_database(client, link):
    survey = the_survey()
    columns = [str(getattr(survey, c.key)) for c in CsatSurvey.__table__.columns]
    assert not any(link in value for value in columns)
