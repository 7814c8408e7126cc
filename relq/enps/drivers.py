"""Driver analysis: how each factor item (1-5) moves with the 0-10 recommendation score.

For a group the gate shows (the company or a department of a closed round), each factor's
Spearman rank correlation with the score over the answers that rated that factor, with n and
a 95 % confidence interval, ranked from the strongest positive link down. A group the gate
hides has no drivers at all (the gate's Suppressed is returned); a factor rated by fewer than
the round's min_group answers of the group is listed without a correlation.

The answers are read as counts per (factor, score, value): one GROUP BY, at most 11 x 5 rows a
factor, expanded into weighted ranks for scipy.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr
from sqlalchemy import func, select

from relq.db import db
from relq.enps import gate
from relq.enps.gate import Group, Suppressed
from relq.enps.models import FactorAnswer, SurveyFactor, SurveyResponse

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Driver:
    factor: SurveyFactor
    n: int
    rho: float | None  # None: suppressed (n below min_group) or undefined (no spread)
    low: float | None
    high: float | None
    suppressed: bool = False


def confidence_interval(rho: float, n: int) -> tuple[float, float]:
    """95 % interval for a Spearman correlation: Fisher's z with the standard error of Bonett
    and Wright (2000), sqrt((1 + r^2 / 2) / (n - 3)) (D. G. Bonett & T. A. Wright, "Sample size
    requirements for estimating Pearson, Kendall and Spearman correlations", Psychometrika 65(1),
    23-28), which keeps the interval's coverage for Spearman's rho where Pearson's 1/sqrt(n-3)
    is too narrow."""
    if n <= 3:
        return (-1.0, 1.0)
    r = max(min(rho, 0.999999), -0.999999)
    z = math.atanh(r)
    se = math.sqrt((1 + r * r / 2) / (n - 3))
    return (math.tanh(z - Z_95 * se), math.tanh(z + Z_95 * se))


def _rho(counts: dict[tuple[int, int], int]) -> float | None:
    pairs = list(counts.items())
    scores = np.repeat([s for (s, _v), _n in pairs], [n for _p, n in pairs])
    values = np.repeat([v for (_s, v), _n in pairs], [n for _p, n in pairs])
    if len(set(scores.tolist())) < 2 or len(set(values.tolist())) < 2:
        return None  # no spread on one side: no rank correlation
    rho = spearmanr(scores, values).statistic
    return None if rho is None or math.isnan(rho) else float(rho)


def drivers(group: Group) -> list[Driver] | Suppressed:
    """The group's factors ranked by their correlation with the score (strongest first;
    factors without a correlation last, in the round's order). Suppressed when the gate hides
    the group (band groups have no drivers: they are too small to rank)."""
    rel = gate.release(group.round_id, bands=group.band is not None)
    if rel is None:
        return Suppressed(gate.NO_ROUND, gate.MIN_GROUP_FLOOR)
    if group.band is not None:
        return rel.suppressed(gate.COMBINED)
    shown = rel.score(group)
    if isinstance(shown, Suppressed):
        return shown
    query = (
        select(FactorAnswer.factor_id, SurveyResponse.score, FactorAnswer.value, func.count())
        .join(SurveyResponse, SurveyResponse.id == FactorAnswer.response_id)
        .where(SurveyResponse.round_id == group.round_id)
        .group_by(FactorAnswer.factor_id, SurveyResponse.score, FactorAnswer.value)
    )
    if group.department_id is not None:
        query = query.where(SurveyResponse.department_id == group.department_id)
    counts: dict[int, dict[tuple[int, int], int]] = defaultdict(dict)
    for factor_id, score, value, n in db.session.execute(query):
        counts[factor_id][(score, value)] = n
    factors = db.session.scalars(
        select(SurveyFactor)
        .where(SurveyFactor.round_id == group.round_id)
        .order_by(SurveyFactor.position)
    ).all()
    found = []
    for factor in factors:
        cells = counts.get(factor.id, {})
        n = sum(cells.values())
        if n < rel.k:
            found.append(Driver(factor, n, None, None, None, suppressed=True))
            continue
        rho = _rho(cells)
        low, high = confidence_interval(rho, n) if rho is not None else (None, None)
        found.append(Driver(factor, n, rho, low, high))
    ranked = sorted(
        (d for d in found if d.rho is not None), key=lambda d: (-d.rho, d.factor.position)
    )
    return ranked + [d for d in found if d.rho is None]


def strongest(found: list[Driver] | Suppressed) -> Driver | None:
    """The factor that moves most with the score (a positive correlation), for the reading."""
    if isinstance(found, Suppressed):
        return None
    return next((d for d in found if d.rho is not None and d.rho > 0), None)
