"""The employees' results page: an admin publishes a closed round with the measures decided;
then everyone logged in reads the company's results (through the gate) and the departments'
plans without their owners. Before that, the page is a 404 for everyone but admins."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from relq.audit.models import AuditEvent
from relq.db import db
from relq.enps import published
from relq.errors import Conflict, Invalid, NotAllowed
from tests.enps.test_plans import answers, make_round, plan

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
MESSAGE = "全社で評価面談を四半期ごとに行います。\n物流部は人員を二名増やします。"


@pytest.fixture
def closed(org):
    survey_round = make_round(org, "2026年 秋", date(2026, 10, 1))
    answers(survey_round, org.qa, [9, 9, 9, 7, 7, 7, 3, 3, 3, 8], reason="評価が不透明")
    answers(survey_round, org.logistics, [3, 3, 9, 9, 9, 6])
    db.session.commit()
    return survey_round


def test_an_admin_publishes_a_closed_round_and_it_is_audited(org, closed):
    published.publish_round(org.admin, closed, message=MESSAGE)
    db.session.commit()
    assert closed.published_at is not None and closed.published_message == MESSAGE
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == published.PUBLISHED)
    ).one()
    assert event.entity_id == closed.id and event.actor_id == org.admin.id
    first = closed.published_at
    published.publish_round(org.admin, closed, message="更新しました")
    db.session.commit()
    assert closed.published_at == first and closed.published_message == "更新しました"


def test_publishing_is_for_admins_and_closed_rounds(org, closed):
    with pytest.raises(NotAllowed):
        published.publish_round(org.executive, closed, message=MESSAGE)
    with pytest.raises(Invalid):
        published.publish_round(org.admin, closed, message="  ")
    running = make_round(org, "2027年 春", date(2027, 4, 1), status="open")
    with pytest.raises(Conflict):
        published.publish_round(org.admin, running, message=MESSAGE)


def test_unpublished_is_a_404_for_everyone_but_admins(org, login_as, closed):
    path = f"/enps/published/{closed.id}"
    for user in (org.operator, org.lead_qa, org.executive):
        assert login_as(user).get(path).status_code == 404
    page = login_as(org.admin).get(path).get_data(as_text=True)
    assert 'data-testid="not-published"' in page and 'data-testid="publish-form"' in page
    assert login_as(org.operator).get("/enps/published/2147483647").status_code == 404


def test_everyone_reads_the_published_company_results_and_measures(org, login_as, closed):
    plan(
        org,
        closed,
        org.qa,
        org.lead_qa,
        owner_id=org.lead_qa.id,
        measure="評価面談を四半期ごとに行う",
    )
    plan(org, closed, org.logistics, org.lead_logistics, measure="没にした案", status="dropped")
    admin = login_as(org.admin)
    path = f"/enps/published/{closed.id}"
    token = CSRF.search(admin.get(path).get_data(as_text=True)).group(1)
    response = admin.post(f"{path}/publish", {"message": MESSAGE, "csrf_token": token}, csrf=False)
    assert response.status_code == 302
    page = login_as(org.operator).get(path).get_data(as_text=True)
    # The company: 16 answers, 6 promoters, 6 detractors -> 0.
    company = re.search(r'data-testid="company-row">(.*?)</tr>', page, re.S).group(1)
    assert "+0.0" in company and ">16<" in company
    assert 'data-testid="distribution-chart"' in page and "<svg" in page
    assert "全社で評価面談を四半期ごとに行います。" in page
    assert "評価面談を四半期ごとに行う" in page
    assert "没にした案" not in page  # a dropped plan is not a measure decided
    assert org.lead_qa.name not in page.split("</header>")[1]  # no owners
    assert "評価が不透明" not in page  # no comments on this page
    assert 'data-testid="publish-form"' not in page
    listing = login_as(org.operator).get("/enps/published/").get_data(as_text=True)
    assert closed.name in listing


def test_a_small_company_round_shows_as_suppressed(org, login_as):
    small = make_round(org, "2026年 パルス", date(2026, 6, 1))
    answers(small, org.qa, [9, 9, 3, 3])
    published.publish_round(org.admin, small, message="小さなパルス調査でした")
    db.session.commit()
    page = login_as(org.operator).get(f"/enps/published/{small.id}").get_data(as_text=True)
    assert 'data-testid="enps-suppressed"' in page
    assert 'data-testid="distribution"' not in page and ">4<" not in page


def test_the_publish_post_needs_an_admin_and_its_token(org, login_as, closed):
    path = f"/enps/published/{closed.id}/publish"
    executive = login_as(org.executive)
    assert (
        executive.post(path, {"message": MESSAGE}, token_from="/enps/published/").status_code == 403
    )
    admin = login_as(org.admin)
    assert admin.post(path, {"message": MESSAGE}, csrf=False).status_code in (400, 403)
    token = CSRF.search(admin.get(f"/enps/published/{closed.id}").get_data(as_text=True)).group(1)
    bad = admin.post(path, {"message": "a\x00b", "csrf_token": token}, csrf=False)
    assert bad.status_code == 422
    db.session.expire_all()
    assert db.session.get(type(closed), closed.id).published_at is None
