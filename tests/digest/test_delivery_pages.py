"""The weekly digest's e-mail settings page (each reader chooses which digest, or none) and the
admins' list of who receives it."""

from __future__ import annotations

import re

import sqlalchemy as sa

from relq.audit.models import AuditEvent
from relq.db import db
from relq.digest.delivery import DigestSubscription, readers, subscription_of

PAGE = "/digest/subscription"


def _choices(html: str) -> list[str]:
    return re.findall(r'<input[^>]*name="scope"[^>]*value="([^"]+)"', html)


def _checked(html: str) -> list[str]:
    return [
        re.search(r'value="([^"]+)"', tag).group(1)
        for tag in re.findall(r"<input[^>]*>", html)
        if 'name="scope"' in tag and " checked" in tag
    ]


def test_an_executive_is_subscribed_to_the_company_by_default_and_may_stop(org, login_as):
    client = login_as(org.executive)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'data-testid="subscription-default"' in page
    assert _choices(page)[:2] == ["none", "company"]
    assert f'value="{org.logistics.id}"' in page  # executives read every department's
    assert _checked(page) == ["company"]

    response = client.post(PAGE, {"scope": "none"}, token_from=PAGE)
    assert response.status_code == 302
    db.session.rollback()
    assert subscription_of(org.executive)[0] is False
    assert org.executive.id not in {r.user.id for r in readers()}
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "digest_subscription.updated")
    )
    assert event.actor_id == org.executive.id
    assert _checked(client.get(PAGE).get_data(as_text=True)) == ["none"]


def test_a_lead_chooses_between_their_department_and_none(org, login_as):
    client = login_as(org.lead_qa)
    page = client.get(PAGE).get_data(as_text=True)
    assert _choices(page) == ["none", str(org.qa.id)]
    assert _checked(page) == [str(org.qa.id)]

    refused = client.post(PAGE, {"scope": str(org.logistics.id)}, token_from=PAGE)
    assert refused.status_code == 200  # the form again, the choice refused
    refused = client.post(PAGE, {"scope": "company"}, token_from=PAGE)
    assert refused.status_code == 200
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DigestSubscription)) == 0

    assert client.post(PAGE, {"scope": "none"}, token_from=PAGE).status_code == 302
    assert client.post(PAGE, {"scope": str(org.qa.id)}, token_from=PAGE).status_code == 302
    db.session.rollback()
    assert subscription_of(org.lead_qa) == (True, org.qa.id, False)


def test_an_operator_reads_no_digest_and_is_sent_none(org, login_as):
    client = login_as(org.operator)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'data-testid="subscription-none"' in page
    assert client.post(PAGE, {"scope": "company"}, token_from=PAGE).status_code == 200
    db.session.rollback()
    assert org.operator.id not in {r.user.id for r in readers()}


def test_a_change_needs_the_forms_token(org, login_as):
    client = login_as(org.executive)
    assert client.post(PAGE, {"scope": "none"}, csrf=False).status_code == 400
    db.session.rollback()
    assert subscription_of(org.executive)[0] is True


def test_admins_see_who_receives_it(org, login_as):
    page = login_as(org.admin).get("/digest/readers").get_data(as_text=True)
    for person in (org.executive, org.lead_qa, org.lead_logistics, org.lead_cs):
        assert f'data-testid="reader-{person.id}"' in page
    assert f'data-testid="reader-{org.operator.id}"' not in page
    assert "品質保証部" in page and "全社" in page
    assert login_as(org.executive).get("/digest/readers").status_code == 403
    assert login_as(org.lead_qa).get("/digest/readers").status_code == 403


def test_an_overlong_or_strange_choice_is_refused(org, login_as):
    client = login_as(org.executive)
    for value in ("x" * 5000, "-1", "99999999999999999999"):
        assert client.post(PAGE, {"scope": value}, token_from=PAGE).status_code == 200
    assert client.post(PAGE, {"scope": "company\x00"}, token_from=PAGE).status_code == 422
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DigestSubscription)) == 0
