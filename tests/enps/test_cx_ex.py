"""CX x EX: each department's eNPS beside its customer record, the scatter's points and the
correlation, small groups suppressed (a hidden department is not a point)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from scipy.stats import spearmanr

from relq.db import db, utcnow
from relq.deadlines.calendar import OFFICE_TZ
from relq.enps import results
from relq.enps.gate import Score
from tests.enps.test_gate_helpers import add_answers, make_round
from tests.factories import make_case, make_department


@pytest.fixture
def world(org):
    today = utcnow().astimezone(OFFICE_TZ).date()
    r = make_round(org.admin, period=(today - timedelta(days=20), today))
    extra = [
        make_department(code, name, code.title())
        for code, name in (("pr", "広報部"), ("it", "情報システム部"))
    ]
    depts = [org.qa, org.logistics, *extra]
    # eNPS falls as complaints rise: qa 0 complaints ... it 3 complaints.
    for i, dept in enumerate(depts):
        add_answers(r, dept, [10] * (8 - 2 * i) + [3] * (2 + 2 * i))
        for _ in range(i):
            make_case(org.operator, department=dept)
        make_case(org.operator, department=dept, kind="inquiry")
    small = make_department("legal", "法務部", "Legal")
    add_answers(r, small, [0, 0, 0])  # 3 answers: hidden
    # 2 more in another department: the hidden ones add up to 5, so no shown department has
    # to be hidden with them (the gate's rule 3).
    add_answers(r, make_department("hr", "人事部", "HR"), [10, 10])
    for _ in range(5):
        make_case(org.operator, department=small)
    db.session.commit()
    return r, depts, small


def test_rows_put_the_gated_enps_beside_the_scorecard_numbers(org, world):
    r, depts, small = world
    rows = {row.department.id: row for row in results.cx_ex_rows(org.executive, r)}
    qa, it = rows[depts[0].id], rows[depts[3].id]
    assert isinstance(qa.score, Score) and qa.score.enps == 60
    assert it.metrics["complaints"] == 3 and qa.metrics["complaints"] == 0
    assert it.metrics["complaint_share"] is not None
    weeks = results.round_weeks(r)[1]
    assert it.metrics["cases_per_week"] == pytest.approx(4 / weeks)
    assert rows[small.id].metrics["complaints"] == 5
    assert not rows[small.id].score.shown


def test_a_hidden_department_is_not_a_point_and_the_correlation_says_n(org, world):
    r, depts, small = world
    rows = results.cx_ex_rows(org.executive, r)
    points = results.points(rows, "complaints")
    names = {label for _x, _y, label in points}
    assert "法務部" not in names and len(points) == 4
    found = results.correlation([(x, y) for x, y, _ in points])
    expected = spearmanr([x for x, _y, _ in points], [y for _x, y, _ in points]).statistic
    assert found.n == 4 and found.rho == pytest.approx(expected) and found.rho < 0
    assert results.correlation([(1, 2), (2, 3), (3, 1)]).rho is None  # fewer than 4 points


def test_page_for_management_only(org, world, login_as):
    r, depts, small = world
    page = login_as(org.executive).get(f"/enps/results/rounds/{r.id}/cx-ex?metric=complaints")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'data-testid="chart-scatter"' in body and "<svg" in body
    legal = re.search(rf'data-testid="cx-ex-{small.id}".*?</tr>', body, re.S).group(0)
    assert "非表示（回答が5件未満）" in legal
    assert "n = 4" in re.search(r'data-testid="correlation-round".*?</p>', body, re.S).group(0)
    bad = login_as(org.executive).get(f"/enps/results/rounds/{r.id}/cx-ex?metric=nonsense")
    assert bad.status_code == 200  # ignored, said so, default metric
    assert login_as(org.lead_qa).get(f"/enps/results/rounds/{r.id}/cx-ex").status_code == 403
    assert login_as(org.operator).get(f"/enps/results/rounds/{r.id}/cx-ex").status_code == 403
