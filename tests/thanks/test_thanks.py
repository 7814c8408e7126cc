"""Compliments passed on to the department and person named, and the feed everyone reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from relq.audit.models import AuditEvent
from relq.cases.services import CustomerInput, MissingInput, NotAllowed
from relq.db import utcnow
from relq.thanks.models import Compliment
from relq.thanks.services import (
    QUOTE_MAX,
    AlreadyShared,
    share_compliment,
    thanks_per_department,
    unshare_compliment,
)
from tests.factories import make_case, make_department

CUSTOMER = "山本 花子"
WORDS = "山本です。電話の佐藤さんがとても親切でした。090-1234-5678まで連絡ください。"
QUOTE = "電話の佐藤さんがとても親切でした。"


def _compliment_case(org, **fields):
    return make_case(
        org.operator,
        kind="compliment",
        subject="オペレーターへのお礼",
        customer_words=WORDS,
        customer=CustomerInput(name=CUSTOMER, phone="090-1234-5678"),
        **fields,
    )


def _share(org, case, **overrides):
    values = {
        "actor": org.operator,
        "department_id": org.cs.id,
        "staff_user_id": org.operator.id,
        "quote": f"  {QUOTE}\n",
    }
    return share_compliment(case, **(values | overrides))


def test_operator_shares_a_compliment(org, session):
    case = _compliment_case(org)
    compliment = _share(org, case)
    assert (compliment.department_id, compliment.staff_user_id) == (org.cs.id, org.operator.id)
    assert compliment.quote == QUOTE  # stripped
    assert compliment.shared_by_id == org.operator.id
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "compliment.shared"))
    assert event.case_id == case.id and event.entity_id == compliment.id
    with pytest.raises(AlreadyShared):
        _share(org, case)


def test_only_compliments_and_only_the_front_line(org, session):
    complaint = make_case(org.operator, department=org.qa)
    with pytest.raises(NotAllowed):
        _share(org, complaint)
    case = _compliment_case(org, department=org.qa)
    for outsider in (org.lead_qa, org.executive, org.admin):
        with pytest.raises(NotAllowed):
            _share(org, case, actor=outsider)
    assert session.scalar(sa.select(sa.func.count()).select_from(Compliment)) == 0


def test_the_person_named_must_belong_to_the_department(org, session):
    case = _compliment_case(org)
    with pytest.raises(MissingInput) as refused:
        _share(org, case, department_id=org.qa.id, staff_user_id=org.operator.id)
    assert refused.value.field_name == "staff_user"
    closed = make_department("closed", "閉鎖部", "Closed")
    closed.is_active = False
    with pytest.raises(MissingInput) as refused:
        _share(org, case, department_id=closed.id, staff_user_id=None)
    assert refused.value.field_name == "department"
    for quote in ("   ", "あ" * (QUOTE_MAX + 1)):
        with pytest.raises(MissingInput):
            _share(org, case, quote=quote)
    # A name as the customer gave it, for someone who is not a user.
    compliment = _share(
        org, case, department_id=org.logistics.id, staff_user_id=None, staff_name=" 配達の方 "
    )
    assert (compliment.staff_user_id, compliment.staff_name) == (None, "配達の方")


def test_share_through_the_case_page(org, session, login_as):
    case = _compliment_case(org)
    session.commit()
    client = login_as(org.operator)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="share-compliment"' in html
    assert WORDS in html.split('data-testid="thanks-panel"')[1]  # the quote starts as their words

    wrong = client.post(
        f"/thanks/share/{case.id}",
        {"department_id": org.qa.id, "staff_user_id": org.operator.id, "quote": QUOTE},
        token_from=f"/cases/{case.id}",
    )
    assert wrong.status_code == 422
    assert 'class="error"' in wrong.get_data(as_text=True)
    assert QUOTE in wrong.get_data(as_text=True)  # kept

    response = client.post(
        f"/thanks/share/{case.id}",
        {"department_id": org.cs.id, "staff_user_id": org.operator.id, "quote": QUOTE},
        token_from=f"/cases/{case.id}",
    )
    assert response.status_code == 302
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="shared-quote"' in html and 'data-testid="share-compliment"' not in html

    # The QA lead sees no compliment case of cs; the form is refused on a complaint.
    complaint = make_case(org.operator, department=org.qa)
    session.commit()
    refused = client.post(
        f"/thanks/share/{complaint.id}",
        {"department_id": org.cs.id, "quote": QUOTE},
        token_from="/thanks/",
    )
    assert refused.status_code == 403


def test_the_feed_shows_the_quote_to_everyone_and_links_only_for_those_who_see_the_case(
    org, session, login_as
):
    case = _compliment_case(org)
    _share(org, case)
    session.commit()
    for user in (org.operator, org.lead_qa, org.lead_logistics, org.executive, org.admin):
        html = login_as(user).get("/thanks/").get_data(as_text=True)
        assert QUOTE in html, user.name
        assert org.operator.name in html and org.cs.name_ja in html
        # Never the customer: not their name, not their contact, not the rest of their words.
        for private in (CUSTOMER, "090-1234-5678", "09012345678", WORDS, "山本"):
            assert private not in html, (user.name, private)
    case_link = f'href="/cases/{case.id}"'
    assert case_link in login_as(org.operator).get("/thanks/").get_data(as_text=True)
    assert case_link not in login_as(org.lead_logistics).get("/thanks/").get_data(as_text=True)
    assert case_link not in login_as(org.lead_qa).get("/thanks/").get_data(as_text=True)


def test_feed_filters_by_department_and_counts_twelve_weeks(org, session, login_as):
    to_cs = _share(org, _compliment_case(org))
    to_logistics = _share(
        org,
        _compliment_case(org),
        department_id=org.logistics.id,
        staff_user_id=None,
        quote="配達の方が雨の中、丁寧に届けてくれました。",
    )
    old = _share(org, _compliment_case(org), quote="去年のお礼")
    old.shared_at = utcnow() - timedelta(weeks=13)
    session.flush()
    assert [(d.code, n) for d, n in thanks_per_department()] == [("cs", 1), ("logistics", 1)]
    session.commit()

    client = login_as(org.lead_qa)
    html = client.get(f"/thanks/?department={org.logistics.id}").get_data(as_text=True)
    assert f'data-testid="thanks-{to_logistics.id}"' in html
    assert f'data-testid="thanks-{to_cs.id}"' not in html
    html = client.get("/thanks/").get_data(as_text=True)
    # Newest first; the old one still in the feed, though not in the twelve weeks' count.
    assert html.index(f"thanks-{to_logistics.id}") < html.index(f"thanks-{to_cs.id}")
    assert html.index(f"thanks-{to_cs.id}") < html.index(f"thanks-{old.id}")
    mine = login_as(org.operator).get("/thanks/?mine=y").get_data(as_text=True)
    assert f"thanks-{to_cs.id}" in mine and f"thanks-{to_logistics.id}" not in mine


def test_withdraw(org, session, login_as):
    case = _compliment_case(org)
    compliment = _share(org, case)
    with pytest.raises(NotAllowed):
        unshare_compliment(compliment, actor=org.executive)
    session.commit()
    assert (
        login_as(org.executive)
        .post(f"/thanks/withdraw/{case.id}", {}, token_from="/thanks/")
        .status_code
        == 403
    )
    response = login_as(org.operator).post(
        f"/thanks/withdraw/{case.id}", {}, token_from=f"/cases/{case.id}"
    )
    assert response.status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(Compliment)) == 0
    assert (
        session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "compliment.withdrawn")
        ).case_id
        == case.id
    )
    assert QUOTE not in login_as(org.lead_qa).get("/thanks/").get_data(as_text=True)
    # It may be shared again.
    _share(org, case)


def test_admin_withdraws(org, session):
    compliment = _share(org, _compliment_case(org))
    unshare_compliment(compliment, actor=org.admin)
    assert session.scalar(sa.select(sa.func.count()).select_from(Compliment)) == 0
