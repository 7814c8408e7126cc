"""eNPS in the weekly digest: the latest closed survey round's score per department, read
ONLY through the anonymity gate (relq.enps.gate): a department below its threshold shows no
score, only that it is too small. Without a closed round the section says so. Reads only."""

from __future__ import annotations

from typing import Any

from relq.digest.scope import DigestScope, department_names


def section(scope: DigestScope) -> dict[str, Any]:
    from relq.enps import gate

    found = gate.latest_closed_round()
    # A round whose survey period ends after the digest's week is not that week's news.
    if found is None or found.period_end >= scope.week.next().monday:
        return {"available": False, "reason": "no_round"}
    scores = gate.department_scores(found.id)
    rows = []
    for department_id, score in sorted(scores.items()):
        if scope.department_id is not None and department_id != scope.department_id:
            continue
        if getattr(score, "shown", False):
            rows.append(
                {
                    "department_id": department_id,
                    "shown": True,
                    "enps": round(score.enps, 1),
                    "n": score.n,
                    "promoters": round(score.promoter_share, 1),
                    "detractors": round(score.detractor_share, 1),
                }
            )
        else:
            # Never the true number of answers: only that the group is below the threshold.
            rows.append(
                {
                    "department_id": department_id,
                    "shown": False,
                    "reason": score.reason,
                    "threshold": score.threshold,
                }
            )
    return {
        "available": True,
        "round": {
            "id": found.id,
            "name": found.name,
            "period_end": found.period_end.isoformat(),
        },
        "departments": rows,
        "department_names": department_names(r["department_id"] for r in rows),
    }
