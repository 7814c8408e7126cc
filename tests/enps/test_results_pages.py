"""The results pages: who reads what, what the tables show and hide, the CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from relq.db import db
from relq.enps.models import SurveyRound
from tests.enps.test_gate_helpers import add_answers, band, make_round
from tests.factories import make_department

HIDDEN = "非表示（回答が5件未満）"


@pytest.fixture
def rounds(org):
    """Two closed rounds and an open one: qa and cs big enough, logistics with 3 answers."""
    first = make_round(
        org.admin, name="2025年度 下期", period=(date(2025, 10, 1), date(2025, 10, 31))
    )
    add_answers(first, org.qa, [9] * 5 + [7] * 10 + [3] * 10, factors={"reward": 3})
    add_answers(first, org.cs, [9] * 10 + [5] * 10)
    second = make_round(
        org.admin, name="2026年度 上期", period=(date(2026, 4, 1), date(2026, 4, 30))
    )
    staff, manager = band(second, "level", 0), band(second, "level", 2)
    reward = [5] * 10 + [3] * 8 + [1] * 8
    add_answers(
        second,
        org.qa,
        [10] * 10 + [7] * 8 + [2] * 8,
        level=staff,
        factors={"reward": reward, "purpose": [3, 4] * 13},
        reason=["評価制度が分かりにくい"] * 6 + ["上司との関係が良い"] * 6 + [""] * 14,
    )
    add_answers(second, org.cs, [9] * 8 + [6] * 7, level=manager, reason="評価制度に不満")
    add_answers(second, org.logistics, [0, 5, 10])
    opened = make_round(
        org.admin,
        name="2026年度 下期",
        status="open",
        period=(date(2026, 10, 1), date(2026, 10, 31)),
    )
    add_answers(opened, org.qa, [10] * 12)
    db.session.commit()
    return first, second, opened


def text(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_executive_reads_the_department_table_with_a_suppressed_small_group(org, rounds, login_as):
    first, second, _ = rounds
    page = text(login_as(org.executive).get(f"/enps/results/rounds/{second.id}"))
    assert "−20 to −40" in page or "-20" in page or "−20" in page
    logistics = re.search(rf'data-testid="departments-{org.logistics.id}".*?</tr>', page, re.S)
    qa = re.search(rf'data-testid="departments-{org.qa.id}".*?</tr>', page, re.S).group(0)
    # logistics (3) is hidden, and qa and cs with it would give logistics by difference?
    # Company 44 - qa 26 - cs 15 = 3: one of them (cs, the smaller) is hidden too.
    assert HIDDEN in logistics.group(0)
    assert ">3<" not in logistics.group(0)
    assert "+7.7" in qa  # (10 - 8) / 26
    assert "26" in qa
    cs = re.search(rf'data-testid="departments-{org.cs.id}".*?</tr>', page, re.S).group(0)
    assert HIDDEN in cs and ">15<" not in cs
    # The company: 44 answers, 18 promoters, 17 detractors (8 + 7 + 0 and 5 of logistics' 3).
    focus = re.search(r'data-testid="focus".*?</tr>', page, re.S).group(0)
    assert "44" in focus
    assert 'data-testid="chart-distribution"' in page and "<svg" in page


def test_lead_reads_own_department_with_change_and_company(org, rounds, login_as):
    first, second, _ = rounds
    lead = login_as(org.lead_qa)
    page = text(lead.get(f"/enps/results/rounds/{second.id}/departments/{org.qa.id}"))
    # qa: first round (5 - 10) / 25 = -20; second (10 - 8) / 26 = +7.7: change +27.7 points.
    assert "+27.7" in re.search(r'data-testid="change-previous".*?</td>', page, re.S).group(0)
    assert 'data-testid="change-company"' in page
    # The level cut: every qa answer is in one band: shown.
    assert "26" in re.search(r'data-testid="cut-level".*?</section>', page, re.S).group(0)
    # Drivers: reward moves with the score; purpose does not.
    assert "「評価と報酬」" in page or "“評価と報酬”" in page
    assert lead.get(f"/enps/results/rounds/{second.id}/departments/{org.cs.id}").status_code == 403
    assert lead.get(f"/enps/results/rounds/{second.id}").status_code == 403
    assert lead.get("/enps/results/").status_code == 302


def test_operator_reads_no_results(org, rounds, login_as):
    _, second, _ = rounds
    operator = login_as(org.operator)
    assert operator.get(f"/enps/results/rounds/{second.id}").status_code == 403
    assert operator.get("/enps/results/").status_code == 403
    assert operator.get(f"/enps/results/rounds/{second.id}/results.csv").status_code == 403


def test_open_round_shows_its_count_not_a_score(org, rounds, login_as):
    *_, opened = rounds
    page = text(login_as(org.executive).get(f"/enps/results/rounds/{opened.id}"))
    assert 'data-testid="open-round"' in page
    assert "12" in re.search(r'data-testid="open-round".*?</section>', page, re.S).group(0)
    assert "+100.0" not in page


def test_csv_has_the_same_numbers_through_the_gate(org, rounds, login_as):
    _, second, _ = rounds
    response = login_as(org.executive).get(f"/enps/results/rounds/{second.id}/results.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data().decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    by_label = {row[1]: row for row in rows[1:]}
    assert by_label["品質保証部"][2:4] == ["26", "7.7"]
    assert by_label["物流部"][2] == HIDDEN and set(by_label["物流部"][3:]) == {""}
    assert "3" not in by_label["物流部"][2:]
    lead_csv = login_as(org.lead_qa).get(
        f"/enps/results/rounds/{second.id}/results.csv?department_id={org.cs.id}"
    )
    assert lead_csv.status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/enps/results/rounds/999999",
        "/enps/results/rounds/99999999999",
        "/enps/results/rounds/{second}/departments/99999",
        "/enps/results/rounds/{second}/results.csv?department_id=abc",
        "/enps/results/rounds/{second}/results.csv?department_id=99999999999",
    ],
)
def test_bad_ids_are_404(org, rounds, login_as, path):
    _, second, _ = rounds
    response = login_as(org.executive).get(path.format(second=second.id))
    assert response.status_code == 404


def test_a_draft_round_shows_nothing(org, login_as):
    draft = make_round(org.admin, status="draft")
    add_answers(draft, org.qa, [10] * 12)  # cannot happen (a draft takes no answers); still
    db.session.commit()
    page = text(login_as(org.executive).get(f"/enps/results/rounds/{draft.id}"))
    assert 'data-testid="draft-round"' in page and "+100.0" not in page and ">12<" not in page
    cx_ex = text(login_as(org.executive).get(f"/enps/results/rounds/{draft.id}/cx-ex"))
    assert "+100.0" not in cx_ex


def test_no_round_yet(org, login_as):
    page = text(login_as(org.executive).get("/enps/results/"))
    assert 'data-testid="no-rounds"' in page


def test_menu_item_for_readers_only(org, login_as):
    menu = re.compile(r'<a[^>]*href="/enps/results/"[^>]*>サーベイ結果</a>')
    assert menu.search(text(login_as(org.executive).get("/cases/")))
    assert menu.search(text(login_as(org.lead_qa).get("/cases/")))
    assert not menu.search(text(login_as(org.operator).get("/cases/")))


def test_trend_shows_each_closed_round(org, rounds, login_as):
    first, second, opened = rounds
    page = text(login_as(org.executive).get(f"/enps/results/rounds/{second.id}"))
    trend = re.search(r'data-testid="trend-table".*?</table>', page, re.S).group(0)
    assert first.name in trend and second.name in trend and opened.name not in trend
    assert 'data-testid="chart-trend"' in page


def test_a_new_department_adds_no_way_round_the_gate(org, rounds, login_as):
    """A department with 5 answers beside the others: shown; the table never shows n < 5."""
    _, second, _ = rounds
    small = make_department("pr", "広報部", "PR")
    add_answers(second, small, [8] * 5)
    db.session.commit()
    page = text(login_as(org.executive).get(f"/enps/results/rounds/{second.id}"))
    for match in re.finditer(r'data-testid="departments-\d+".*?</tr>', page, re.S):
        numbers = re.findall(r'data-label="回答数">(\d+)<', match.group(0))
        assert all(int(n) >= 5 for n in numbers)
    assert db.session.get(SurveyRound, second.id).min_group == 5
