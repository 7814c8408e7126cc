"""Customer harassment in the weekly digest: counts only (flagged during the week, the weeks
before, by behaviour), never a case, a customer or a staff member. A department's digest counts
the reports on its cases and those borne by its staff. Reads only."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import or_, select

from relq.cases.models import Case
from relq.db import db
from relq.digest.scope import BASELINE_WEEKS, DigestScope
from relq.harassment.models import HarassmentReport
from relq.org.models import User


def section(scope: DigestScope) -> dict[str, Any]:
    H = HarassmentReport  # noqa: N806
    earliest = scope.week.previous(BASELINE_WEEKS).bounds()[0]
    # From the few reports to their cases (a join, not "case in every case of the scope").
    query = (
        select(H.flagged_at, H.behaviours)
        .join(Case, Case.id == H.case_id)
        .where(H.flagged_at >= earliest, H.flagged_at < scope.end)
    )
    if scope.department_id is not None:
        query = query.where(
            or_(
                scope.cases(),
                H.staff_member_id.in_(
                    select(User.id).where(User.department_id == scope.department_id)
                ),
            )
        )
    rows = db.session.execute(query).all()
    this_week = [r for r in rows if r.flagged_at >= scope.start]
    behaviours: Counter[str] = Counter()
    for r in this_week:
        behaviours.update(r.behaviours or [])
    return {
        "available": True,
        "flagged": len(this_week),
        "baseline": round((len(rows) - len(this_week)) / BASELINE_WEEKS, 2),
        "by_behaviour": dict(behaviours),
    }
