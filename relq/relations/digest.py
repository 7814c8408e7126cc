"""The relationship map in the weekly digest: the week's slowest and most-bounced edges between
departments, its stall points (relq.relations.services' rules) and the ratings each department
received for its answers. A department's digest keeps the edges it is on. Reads only."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from relq.digest.scope import DigestScope, department_names
from relq.relations.services import SLOW, Period, relationship_map

EDGES_SHOWN = 3


def section(scope: DigestScope) -> dict[str, Any]:
    found = relationship_map(Period.of(scope.week.monday, 1))
    edges = [
        e
        for e in found.edges
        if scope.department_id is None or scope.department_id in (e.requester_id, e.provider_id)
    ]

    def edge(e) -> dict[str, Any]:
        return {
            "requester_id": e.requester_id,
            "provider_id": e.provider_id,
            "handoffs": e.handoffs,
            "median_turnaround_minutes": e.median_turnaround_minutes,
            "overdue_share": e.overdue_share,
            "answered": e.answered,
            "bounced": e.bounced,
            "bounce_rate": e.bounce_rate,
            "stall": sorted(e.stall),
        }

    slowest = sorted(
        (e for e in edges if e.median_turnaround_minutes is not None),
        key=lambda e: (-e.median_turnaround_minutes, e.requester_id, e.provider_id),
    )
    bounced = sorted(
        (e for e in edges if e.bounced),
        key=lambda e: (-(e.bounce_rate or 0), -e.bounced, e.requester_id, e.provider_id),
    )
    stalls = sorted(
        (e for e in edges if e.is_stall),
        key=lambda e: (SLOW not in e.stall, -(e.median_turnaround_minutes or 0), -e.bounced),
    )
    ratings: dict[int, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for e in edges:
        if e.rated and (scope.department_id is None or e.provider_id == scope.department_id):
            r = ratings[e.provider_id]
            r[0] += e.rated
            r[1] += (e.mean_usefulness or 0) * e.rated
            r[2] += (e.mean_speed or 0) * e.rated
    ids = {i for e in edges for i in (e.requester_id, e.provider_id)}
    return {
        "available": True,
        "handoffs": sum(e.handoffs for e in edges),
        "typical_turnaround_minutes": found.typical_turnaround_minutes,
        "slowest": [edge(e) for e in slowest[:EDGES_SHOWN]],
        "most_bounced": [edge(e) for e in bounced[:EDGES_SHOWN]],
        "stall_count": len(stalls),
        "stalls": [edge(e) for e in stalls[:EDGES_SHOWN]],
        "ratings": [
            {
                "department_id": dept,
                "rated": int(n),
                "usefulness": round(u / n, 2),
                "speed": round(s / n, 2),
            }
            for dept, (n, u, s) in sorted(ratings.items(), key=lambda kv: -kv[1][0])
        ],
        "thanked": sum(e.thanked for e in edges),
        "department_names": department_names(ids),
    }
