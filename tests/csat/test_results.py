"""Results against figures computed by hand: satisfaction() (the management review's), the
/csat/ page scoped by the case door (comments only to those who may open the case), the
department scorecard and the weekly digest."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from relq.csat.results import monday_of, satisfaction, week_bounds, weekly
from relq.db import transaction, utcnow
from relq.digest.scope import DigestScope
from relq.digest.week import IsoWeek
from tests.csat.conftest import closed_case, sent_survey


def survey(org, department, *, score=None, comment="", channel="phone", sent_at=None, **kw):
    case = closed_case(
        org, department=department, channel=channel, email=f"{secrets.token_hex(4)}@example.jp"
    )
    return sent_survey(
        case, token=secrets.token_urlsafe(32), score=score, comment=comment, sent_at=sent_at, **kw
    )


@pytest.fixture
def answers(org, app):
    """This week: QA by phone 5, 4, 2 and one unanswered; logistics by e-mail 1 (with a
    comment) and one unanswered. Three weeks ago: QA by phone 5. A survey still waiting and a
    cancelled one count nowhere. (No SMTP: closing plans nothing, the rows are made here.)"""
    now = utcnow()
    with transaction():
        for score in (5, 4, 2, None):
            survey(
                org,
                org.qa,
                score=score,
                sent_at=now,
                comment="説明が丁寧でした" if score == 5 else "",
            )
        survey(org, org.logistics, score=1, channel="email", sent_at=now, comment="遅すぎる")
        survey(org, org.logistics, channel="email", sent_at=now)
        survey(org, org.qa, score=5, sent_at=now - timedelta(weeks=3))
        waiting = survey(org, org.qa, sent_at=now)
        waiting.state, waiting.token_digest, waiting.sent_at = "pending", None, None
        waiting.week_start = waiting.expires_at = None
        cancelled = survey(org, org.qa, sent_at=now)
        cancelled.state, cancelled.token_digest, cancelled.sent_at = "cancelled", None, None
        cancelled.week_start = cancelled.expires_at = None
    return now


def test_satisfaction_per_department_and_channel(org, answers):
    start, _ = week_bounds(monday_of(answers))
    qa, logistics = satisfaction(start, answers + timedelta(minutes=1))
    assert (qa.department_id, qa.channel, qa.sent, qa.responses) == (org.qa.id, "phone", 4, 3)
    assert qa.mean == pytest.approx(11 / 3)
    assert qa.csat_share == pytest.approx(200 / 3)
    assert qa.response_rate == pytest.approx(75.0)
    assert (logistics.department_id, logistics.channel) == (org.logistics.id, "email")
    assert (logistics.sent, logistics.responses, logistics.mean) == (2, 1, 1.0)
    assert logistics.csat_share == 0.0 and logistics.response_rate == 50.0


def test_satisfaction_over_a_longer_period_and_for_some_departments(org, answers):
    rows = satisfaction(
        answers - timedelta(weeks=4), answers + timedelta(minutes=1), department_ids=[org.qa.id]
    )
    [qa] = rows
    assert (qa.sent, qa.responses, qa.mean, qa.csat_share) == (5, 4, 4.0, 75.0)
    assert satisfaction(answers - timedelta(weeks=4), answers - timedelta(weeks=2)) == [
        type(qa)(org.qa.id, "phone", 1, 1, 5.0, 100.0)
    ]
    assert satisfaction(answers + timedelta(days=1), answers + timedelta(days=2)) == []


def test_weekly_counts_only_the_cases_the_reader_may_open(org, answers):
    monday = monday_of(answers)
    first = monday - timedelta(weeks=4)

    def seen(user):
        return {
            (r.department_id, r.week_start, r.sent, r.responses)
            for r in weekly(user, first, monday)
        }

    three_weeks_ago = monday - timedelta(weeks=3)
    qa_rows = {(org.qa.id, monday, 4, 3), (org.qa.id, three_weeks_ago, 1, 1)}
    logistics_rows = {(org.logistics.id, monday, 2, 1)}
    assert seen(org.lead_qa) == qa_rows
    assert seen(org.lead_logistics) == logistics_rows
    assert seen(org.executive) == seen(org.admin) == seen(org.operator) == qa_rows | logistics_rows
    assert seen(org.lead_cs) == qa_rows | logistics_rows  # the contact centre took them in


def test_the_results_page_for_a_lead_shows_their_department_only(org, answers, login_as):
    page = login_as(org.lead_qa).get("/csat/?weeks=4")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'data-testid="row-{org.qa.id}-phone"' in text
    assert f'data-testid="row-{org.logistics.id}-email"' not in text
    assert "説明が丁寧でした" in text and "遅すぎる" not in text
    assert "<svg" in text
    # QA over the 4 weeks: 5 sent, 4 answered (80 %), mean 4.00, CSAT 75 %.
    row = text.split(f'data-testid="row-{org.qa.id}-phone"')[1].split("</tr>")[0]
    for figure in (">5<", ">4<", ">80%<", ">4.00<", ">75%<"):
        assert figure in row, (figure, row)


def test_the_results_page_for_an_executive_shows_everything_and_filters(org, answers, login_as):
    client = login_as(org.executive)
    text = client.get("/csat/?weeks=4").get_data(as_text=True)
    assert f'data-testid="row-{org.logistics.id}-email"' in text and "遅すぎる" in text
    filtered = client.get(f"/csat/?weeks=4&department={org.logistics.id}").get_data(as_text=True)
    assert f'data-testid="row-{org.qa.id}-phone"' not in filtered
    assert "遅すぎる" in filtered and "説明が丁寧でした" not in filtered
    by_channel = client.get("/csat/?weeks=4&channel=phone").get_data(as_text=True)
    assert f'data-testid="row-{org.logistics.id}-email"' not in by_channel


@pytest.mark.parametrize(
    "query", ["weeks=7", "department=abc", "department=99999999999999", "channel=fax", "weeks=%00"]
)
def test_bad_filters_are_refused(org, login_as, query):
    assert login_as(org.executive).get(f"/csat/?{query}").status_code in (400, 422)


def test_the_case_page_shows_the_answer_to_those_who_may_open_the_case(org, answers, login_as):
    import sqlalchemy as sa

    from relq.csat.models import CsatSurvey
    from relq.db import db

    case_id = db.session.scalar(
        sa.select(CsatSurvey.case_id).where(CsatSurvey.comment == "遅すぎる")
    )
    text = login_as(org.lead_logistics).get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-testid="csat-panel"' in text and "遅すぎる" in text
    assert login_as(org.lead_qa).get(f"/cases/{case_id}").status_code == 404


def test_the_scorecard_shows_the_weeks_satisfaction(org, answers, login_as):
    text = login_as(org.lead_qa).get(f"/relations/scorecards/{org.qa.id}").get_data(as_text=True)
    share = text.split('data-testid="row-csat_share"')[1].split("</tr>")[0]
    responses = text.split('data-testid="row-csat_responses"')[1].split("</tr>")[0]
    # The last column is this week: 2 of 3 answers were 4-5; three weeks before: 1 of 1.
    assert share.rstrip().endswith("67%</td>")
    assert "100%" in share
    assert responses.rstrip().endswith(">3</td>")


def test_the_digest_section_counts_the_scopes_cases(org, app):
    last_week = utcnow() - timedelta(weeks=1)
    with transaction():
        for score in (5, 4, 2):
            survey(org, org.qa, score=score, sent_at=last_week)
        survey(org, org.logistics, score=1, channel="email", sent_at=last_week)
        survey(org, org.qa, score=5, sent_at=last_week - timedelta(weeks=2))
    week = IsoWeek.of(monday_of(last_week))
    from relq.csat.digest import section

    company = section(DigestScope(week))
    assert company["week"] == {
        "sent": 4,
        "responses": 4,
        "response_rate": 100.0,
        "mean": 3.0,
        "csat": 50.0,
    }
    assert company["baseline"]["csat"] == 100.0
    qa = section(DigestScope(week, department_id=org.qa.id))
    assert qa["week"]["sent"] == 3 and qa["week"]["csat"] == pytest.approx(66.7)
    assert [d["department_id"] for d in qa["departments"]] == [org.qa.id]


def test_the_digest_page_shows_the_section(org, app, login_as):
    last_week = utcnow() - timedelta(weeks=1)
    with transaction():
        survey(org, org.qa, score=4, sent_at=last_week)
        survey(org, org.qa, score=1, sent_at=last_week)
    week = IsoWeek.of(monday_of(last_week))
    text = login_as(org.executive).get(f"/digest/{week}").get_data(as_text=True)
    section = text.split('data-testid="digest-csat"')[1].split("</section>")[0]
    assert "CSAT 50%" in section
    assert 'data-testid="digest-csat-table"' in section
