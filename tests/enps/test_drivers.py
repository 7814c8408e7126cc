"""Driver analysis: Spearman per factor, its n and interval, the ranking, the suppression."""

from __future__ import annotations

import math
import random

import pytest
from scipy.stats import spearmanr

from relq.enps import drivers, gate
from relq.enps.gate import Group, Suppressed
from tests.enps.test_gate_helpers import add_answers, band, make_round


def _population(seed=7, n=40):
    rng = random.Random(seed)
    scores = [rng.randint(0, 10) for _ in range(n)]
    # reward follows the score closely, relations loosely, purpose not at all.
    reward = [min(5, max(1, s // 2 + rng.choice([-1, 0, 0, 1]))) for s in scores]
    relations = [min(5, max(1, s // 3 + rng.randint(0, 2))) for s in scores]
    purpose = [rng.randint(1, 5) for _ in scores]
    return scores, {"reward": reward, "relations": relations, "purpose": purpose}


def test_each_factor_is_spearman_with_n_and_a_bonett_wright_interval(org):
    r = make_round(org.admin)
    scores, factors = _population()
    add_answers(r, org.logistics, scores, factors=factors)
    found = drivers.drivers(Group(r.id, org.logistics.id))
    by_code = {d.factor.code: d for d in found}
    for code, values in factors.items():
        expected = spearmanr(scores, values).statistic
        got = by_code[code]
        assert got.n == 40
        assert got.rho == pytest.approx(expected, abs=1e-12)
        z, se = math.atanh(expected), math.sqrt((1 + expected**2 / 2) / 37)
        assert got.low == pytest.approx(math.tanh(z - 1.959964 * se), abs=1e-6)
        assert got.high == pytest.approx(math.tanh(z + 1.959964 * se), abs=1e-6)
        assert got.low < got.rho < got.high
    assert [d.factor.code for d in found][0] == "reward"
    assert [d.rho for d in found] == sorted((d.rho for d in found), reverse=True)
    assert drivers.strongest(found).factor.name_ja == "評価と報酬"


def test_a_skipped_factor_counts_only_those_who_rated_it(org):
    r = make_round(org.admin)
    scores, factors = _population(n=20)
    factors["purpose"] = [None] * 16 + [1, 2, 3, 4]
    add_answers(r, org.qa, scores, factors=factors)
    found = {d.factor.code: d for d in drivers.drivers(Group(r.id, org.qa.id))}
    assert found["purpose"].n == 4 and found["purpose"].rho is None and found["purpose"].suppressed
    assert found["reward"].n == 20
    assert list(found)[-1] == "purpose"


def test_no_drivers_for_a_group_the_gate_hides(org):
    r = make_round(org.admin)
    scores, factors = _population(n=4)
    add_answers(r, org.qa, scores, factors=factors)
    assert isinstance(drivers.drivers(Group(r.id, org.qa.id)), Suppressed)
    assert drivers.strongest(drivers.drivers(Group(r.id, org.qa.id))) is None
    # A department of 30 beside it is hidden too (company minus it would be qa's 4).
    scores, factors = _population(n=30)
    add_answers(r, org.cs, scores, factors=factors)
    assert isinstance(drivers.drivers(Group(r.id, org.cs.id)), Suppressed)
    assert isinstance(drivers.drivers(Group(r.id)), list)
    # Bands have no drivers.
    staff = band(r, "level", 0)
    assert isinstance(drivers.drivers(Group(r.id, level_band_id=staff.id)), Suppressed)


def test_no_spread_no_correlation(org):
    r = make_round(org.admin)
    add_answers(r, org.qa, [3, 5, 7, 9, 10, 2], factors={"reward": 4})
    found = {d.factor.code: d for d in drivers.drivers(Group(r.id, org.qa.id))}
    assert found["reward"].rho is None and not found["reward"].suppressed


def test_open_round_has_no_drivers(org):
    r = make_round(org.admin, status="open")
    scores, factors = _population()
    add_answers(r, org.qa, scores, factors=factors)
    assert drivers.drivers(Group(r.id)) == Suppressed(gate.OPEN, 5)


def test_interval_edges():
    assert drivers.confidence_interval(0.5, 3) == (-1.0, 1.0)
    low, high = drivers.confidence_interval(1.0, 10)
    assert -1 < low < high <= 1
    low, high = drivers.confidence_interval(0.0, 103)
    se = math.sqrt(1 / 100)
    assert high == pytest.approx(math.tanh(1.959964 * se), abs=1e-6) and low == -high
