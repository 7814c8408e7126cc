"""Rounds and answers for the results tests (no tests here): answers are inserted directly,
as the collection and the import would leave them, so the results tests depend only on the
schema."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert

from relq.db import db
from relq.enps.models import (
    FactorAnswer,
    SurveyBand,
    SurveyFactor,
    SurveyResponse,
    SurveyRound,
    new_response_id,
)

LEVELS = (("一般", "Staff"), ("主任", "Senior"), ("管理職", "Manager"))
TENURES = (("3年未満", "< 3 years"), ("3〜10年", "3-10 years"), ("10年以上", "10+ years"))
FACTORS = (
    ("purpose", "やりがい", "Purpose"),
    ("relations", "人間関係", "Relationships"),
    ("reward", "評価と報酬", "Recognition and pay"),
)


def make_round(
    actor,
    *,
    name="2026年度 上期",
    status="closed",
    min_group=5,
    min_comments=10,
    period=(date(2026, 4, 1), date(2026, 4, 30)),
    levels=LEVELS,
    tenures=TENURES,
    factors=FACTORS,
):
    round_ = SurveyRound(
        name=name,
        kind="census",
        status=status,
        period_start=period[0],
        period_end=period[1],
        min_group=min_group,
        min_comments=min_comments,
        created_by_id=actor.id,
    )
    for position, (ja, en) in enumerate(levels):
        round_.bands.append(
            SurveyBand(dimension="level", position=position, name_ja=ja, name_en=en)
        )
    for position, (ja, en) in enumerate(tenures):
        round_.bands.append(
            SurveyBand(dimension="tenure", position=position, name_ja=ja, name_en=en)
        )
    for position, (code, ja, en) in enumerate(factors):
        round_.factors.append(SurveyFactor(position=position, code=code, name_ja=ja, name_en=en))
    db.session.add(round_)
    db.session.flush()
    return round_


def band(round_, dimension, position):
    return next(b for b in round_.bands if b.dimension == dimension and b.position == position)


def add_answers(
    round_, department, scores, *, level=None, tenure=None, reason="", factors=None, terms=None
):
    """One answer per score; `factors` maps a factor code to one value or to a list (one per
    answer); `reason` is a string or a list (one per answer)."""
    rows, answers = [], []
    by_code = {f.code: f for f in round_.factors}
    for i, value in enumerate(scores):
        rid = new_response_id()
        text = reason[i] if isinstance(reason, (list, tuple)) else reason
        rows.append(
            {
                "id": rid,
                "round_id": round_.id,
                "department_id": department.id if hasattr(department, "id") else department,
                "level_band_id": level.id if hasattr(level, "id") else level,
                "tenure_band_id": tenure.id if hasattr(tenure, "id") else tenure,
                "score": value,
                "reason": text,
                "reason_terms": terms,
                "source": "import",
            }
        )
        for code, given in (factors or {}).items():
            answer = given[i] if isinstance(given, (list, tuple)) else given
            if answer is not None:
                answers.append({"response_id": rid, "factor_id": by_code[code].id, "value": answer})
    if rows:
        db.session.execute(insert(SurveyResponse), rows)
    if answers:
        db.session.execute(insert(FactorAnswer), answers)
    db.session.flush()
