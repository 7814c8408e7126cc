"""The demo's eNPS: two closed rounds with a believable trend per department, factor answers
that move with the score (a driver to find), varied Japanese reasons, and one department too
small to be shown. (The test counts raw rows to check the data; the app shows it only through
the anonymity gate.)"""

from __future__ import annotations

from collections import defaultdict

import pytest
from scipy.stats import spearmanr
from sqlalchemy import func, select

from relq.db import db, transaction, utcnow
from relq.demo.enps import demo_rounds, load_demo_enps
from relq.demo.loader import load_demo_organisation
from relq.enps.models import (
    FactorAnswer,
    SurveyFactor,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
)


@pytest.fixture
def demo(app):
    with transaction():
        departments, users = load_demo_organisation("demo password")
        rounds = load_demo_enps(departments, users, utcnow())
    return departments, rounds


def _enps(scores: list[int]) -> float:
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return 100.0 * (promoters - detractors) / len(scores)


def _scores(round_id) -> dict[int, list[int]]:
    found = defaultdict(list)
    for department_id, score in db.session.execute(
        select(SurveyResponse.department_id, SurveyResponse.score).where(
            SurveyResponse.round_id == round_id
        )
    ):
        found[department_id].append(score)
    return found


def test_two_closed_census_rounds_with_a_trend(demo):
    departments, (older, newer) = demo
    assert older.status == newer.status == "closed"
    assert older.period_end < newer.period_start
    assert "上期" in older.name or "下期" in older.name
    assert demo_rounds() == (older, newer)
    before, after = _scores(older.id), _scores(newer.id)
    by_code = {code: d.id for code, d in departments.items()}
    for code in ("cs", "qa", "logistics", "sales", "accounting", "it", "planning"):
        assert 12 <= len(after[by_code[code]]) <= 60, code
    assert len(before[by_code["hr"]]) < 5 and len(after[by_code["hr"]]) < 5
    # Japanese companies: mostly negative, -20 to -40 common.
    company = _enps([s for scores in after.values() for s in scores])
    assert -40 <= company <= -10
    # One department improving, one worsening.
    assert _enps(after[by_code["cs"]]) - _enps(before[by_code["cs"]]) >= 10
    assert _enps(after[by_code["logistics"]]) - _enps(before[by_code["logistics"]]) <= -10
    invited, used = db.session.execute(
        select(func.count(), func.sum(func.cast(SurveyInvitation.used, db.Integer))).where(
            SurveyInvitation.round_id == newer.id
        )
    ).one()
    assert used == sum(len(s) for s in after.values()) and 0.6 < used / invited < 0.9


def test_the_key_factor_moves_most_with_the_score_in_logistics(demo):
    departments, (_older, newer) = demo
    rows = db.session.execute(
        select(SurveyFactor.code, SurveyResponse.score, FactorAnswer.value)
        .join(FactorAnswer, FactorAnswer.response_id == SurveyResponse.id)
        .join(SurveyFactor, SurveyFactor.id == FactorAnswer.factor_id)
        .where(
            SurveyResponse.round_id == newer.id,
            SurveyResponse.department_id == departments["logistics"].id,
        )
    ).all()
    pairs = defaultdict(lambda: ([], []))
    for code, score, value in rows:
        pairs[code][0].append(score)
        pairs[code][1].append(value)
    rho = {code: spearmanr(s, v).statistic for code, (s, v) in pairs.items()}
    assert max(rho, key=rho.get) == "recognition_pay"
    assert all(r > 0 for r in rho.values())


def test_reasons_are_varied_japanese_and_some_are_blank(demo):
    reasons = db.session.scalars(select(SurveyResponse.reason)).all()
    written = [r for r in reasons if r]
    assert len(set(written)) >= 30
    assert all(any("\u3040" <= ch <= "\u9fff" for ch in r) for r in written)
    assert 0.15 < 1 - len(written) / len(reasons) < 0.45


def test_the_demo_answers_have_random_unique_keys(app):
    with transaction():
        departments, users = load_demo_organisation("demo password")
        load_demo_enps(departments, users, utcnow())
    ids = db.session.scalars(select(SurveyResponse.id)).all()
    assert len(ids) == len(set(ids)) and max(ids) > 2**40
    assert db.session.scalar(select(func.count()).select_from(SurveyRound)) == 2
