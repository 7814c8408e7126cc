"""CSAT in the weekly digest: the surveys sent that week to the customers of the scope's cases
(relq.digest.scope: the company's, or one department's), answered or not so far, per department,
with the four weeks before as the baseline. Reads only; the snapshot keeps the numbers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from relq.cases.models import Case
from relq.csat.models import CsatSurvey
from relq.csat.results import SatisfactionRow, combine, figure_columns, row_of
from relq.db import db
from relq.digest.scope import BASELINE_WEEKS, DigestScope, department_names


def _numbers(row: SatisfactionRow) -> dict[str, Any]:
    return {
        "sent": row.sent,
        "responses": row.responses,
        "response_rate": None if row.response_rate is None else round(row.response_rate, 1),
        "mean": None if row.mean is None else round(row.mean, 2),
        "csat": None if row.csat_share is None else round(row.csat_share, 1),
    }


def section(scope: DigestScope) -> dict[str, Any]:
    monday = scope.week.monday
    first = scope.week.previous(BASELINE_WEEKS).monday
    query = (
        select(
            CsatSurvey.week_start, CsatSurvey.department_id, CsatSurvey.channel, *figure_columns()
        )
        .join(Case, Case.id == CsatSurvey.case_id)
        .where(
            scope.cases(),
            CsatSurvey.week_start >= first,  # only sent surveys have a week
            CsatSurvey.week_start <= monday,
        )
        .group_by(CsatSurvey.week_start, CsatSurvey.department_id, CsatSurvey.channel)
    )
    rows = [(r.week_start, row_of(SatisfactionRow, r)) for r in db.session.execute(query)]
    this_week = [row for week, row in rows if str(week)[:10] == monday.isoformat()]
    before = [row for week, row in rows if str(week)[:10] != monday.isoformat()]
    departments = sorted({r.department_id or 0 for r in this_week})
    by_department = [
        {"department_id": d or None}
        | _numbers(combine([r for r in this_week if (r.department_id or 0) == d]))
        for d in departments
    ]
    return {
        "available": True,
        "week": _numbers(combine(this_week)),
        "baseline": _numbers(combine(before)),
        "baseline_weeks": BASELINE_WEEKS,
        "departments": by_department,
        "department_names": department_names(d for d in departments if d),
    }
