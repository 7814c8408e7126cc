"""The employee side of the relationship scorecard: the department's eNPS per closed round,
the change against its previous round and the gap to the company, through the gate."""

from __future__ import annotations

import re
from datetime import date

from relq.db import db
from relq.relations.scorecard import employee_side, scorecard
from tests.enps.test_plans import answers, make_round
from tests.factories import make_department


def test_the_employee_side_shows_rounds_changes_and_suppression(org, login_as):
    sales = make_department("sales", "営業部", "Sales")
    spring = make_round(org, "2026年 春", date(2026, 4, 1))
    autumn = make_round(org, "2026年 秋", date(2026, 10, 1))
    make_round(org, "2027年 春", date(2027, 4, 1), status="open")  # not shown: still open
    answers(spring, org.qa, [9, 9, 7, 7, 7, 7, 3, 3, 3, 3])  # -20
    answers(spring, org.cs, [9] * 10)  # company: 12 promoters, 4 detractors of 20 -> +40
    answers(autumn, org.qa, [9, 9, 9, 7, 7, 7, 7, 3, 3, 8])  # +10
    answers(autumn, org.cs, [9] * 6 + [3] * 6)
    answers(autumn, org.logistics, [3, 9, 9])
    answers(autumn, sales, [3, 9, 3])
    db.session.commit()

    rows = employee_side(org.qa)
    assert [r.survey_round.id for r in rows] == [spring.id, autumn.id]
    assert rows[0].score.enps == -20 and rows[0].change is None
    assert rows[1].score.enps == 10 and rows[1].change == 30
    assert rows[0].company.enps == 40 and rows[0].against_company == -60
    hidden = employee_side(org.logistics)
    assert [r.score.shown for r in hidden] == [False, False]
    assert all(r.change is None and r.against_company is None for r in hidden)

    page = login_as(org.lead_qa).get(f"/relations/scorecards/{org.qa.id}").get_data(as_text=True)
    side = page.split('data-testid="side-employee"')[1]
    assert "Not measured yet" not in page and "まだ測っていません" not in page
    assert 'data-testid="chart-enps"' in side and "<svg" in side
    row = re.search(rf'data-testid="employee-round-{autumn.id}">(.*?)</tr>', side, re.S).group(1)
    assert "+10.0" in row and "+30.0" in row
    assert f"/enps/plans/rounds/{autumn.id}/departments/{org.qa.id}" in row
    small = login_as(org.executive).get(f"/relations/scorecards/{org.logistics.id}")
    assert 'data-testid="enps-suppressed"' in small.get_data(as_text=True)


def test_no_closed_round_says_so(org):
    card = scorecard(org.lead_qa, org.qa)
    assert card.employee == []
