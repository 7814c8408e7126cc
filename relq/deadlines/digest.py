"""Departments in the weekly digest: the share of acknowledgement, first-response and
resolution deadlines due during the week that were met on time (relq.deadlines.attainment, read
as the digest's scope reads), and the answers 対応しない (not acting) given during the week
with their reasons, personal data removed. Reads only."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from relq.access import case_scope
from relq.answers.models import DepartmentAnswer
from relq.cases.models import Case
from relq.db import db
from relq.deadlines.attainment import ATTAINMENT_TARGET, attainment
from relq.deadlines.models import DEADLINE_KINDS
from relq.digest.scope import DigestScope, case_ref, department_names
from relq.digest.scrub import quote

DECLINES_SHOWN = 8
REASON_CLIP = 200


def section(scope: DigestScope) -> dict[str, Any]:
    reader = scope.reader()
    # As at the week's last moment: a clock due on Sunday and met on Monday is missed.
    # (Two weeks: attainment's week expression needs one week before; the digest's is index 1.)
    found = attainment(reader, now=scope.end - timedelta(microseconds=1), weeks=2)
    departments = []
    totals = {kind: [0, 0, 0] for kind in DEADLINE_KINDS}
    for row in found.departments:
        kinds = {}
        for kind in DEADLINE_KINDS:
            tally = row.cell(kind, 1)
            if tally.counted:
                kinds[kind] = {
                    "on_time": tally.on_time,
                    "late": tally.late,
                    "missed": tally.missed,
                    "rate": round(tally.rate, 4),
                }
                for i, n in enumerate((tally.on_time, tally.late, tally.missed)):
                    totals[kind][i] += n
        if kinds:
            departments.append({"department_id": row.department.id, "kinds": kinds})
    return {
        "available": True,
        "target": ATTAINMENT_TARGET,
        "departments": departments,
        "totals": {
            kind: {
                "on_time": on_time,
                "late": late,
                "missed": missed,
                "rate": round(on_time / (on_time + late + missed), 4)
                if on_time + late + missed
                else None,
            }
            for kind, (on_time, late, missed) in totals.items()
        },
        "declined": _declined(scope),
        "department_names": department_names(d["department_id"] for d in departments),
    }


def _declined(scope: DigestScope) -> dict[str, Any]:
    A = DepartmentAnswer  # noqa: N806
    rows = db.session.execute(
        select(A.department_id, A.body, A.answered_at, Case.id, Case.received_at)
        .join(Case, Case.id == A.case_id)
        .where(
            A.answer == "declined",
            A.answered_at >= scope.start,
            A.answered_at < scope.end,
            case_scope(scope.reader()),
        )
        .order_by(A.answered_at.desc())
    ).all()
    by_department = Counter(r.department_id for r in rows)
    return {
        "total": len(rows),
        "by_department": {str(k): v for k, v in by_department.items()},
        "items": [
            {
                "department_id": r.department_id,
                "case_id": r.id,
                "ref": case_ref(r.id, r.received_at),
                "reason": quote(r.body, REASON_CLIP),
            }
            for r in rows[:DECLINES_SHOWN]
        ],
        "department_names": department_names(by_department),
    }
