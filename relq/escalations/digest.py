"""Escalations in the weekly digest: those raised during the week, those still open at its end
by age, the decisions taken (経営判断) during it, and what came of the decisions of the weeks
before (their cases now). Read through relq.access.escalation_scope as the digest's scope reads.
Reads only."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from relq.access import escalation_scope
from relq.cases.models import Case
from relq.db import db
from relq.digest.scope import BASELINE_WEEKS, DigestScope, case_ref, department_names
from relq.digest.scrub import quote
from relq.escalations.models import AGES, Escalation

DECISIONS_SHOWN = 8
DECISION_CLIP = 200
OPEN_SHOWN = 8


def section(scope: DigestScope) -> dict[str, Any]:
    E = Escalation  # noqa: N806
    visible = escalation_scope(scope.reader())
    start, end = scope.start, scope.end
    new = db.session.scalars(
        select(E).where(visible, E.opened_at >= start, E.opened_at < end)
    ).all()
    still_open = db.session.scalars(
        select(E)
        .where(visible, E.opened_at < end, (E.closed_at.is_(None)) | (E.closed_at >= end))
        .order_by(E.opened_at)
    ).all()
    decided = db.session.scalars(
        select(E)
        .where(visible, E.closed_at >= start, E.closed_at < end)
        .order_by(E.closed_at.desc())
    ).all()
    earlier_from = scope.week.previous(BASELINE_WEEKS).bounds()[0]
    earlier = db.session.scalars(
        select(E)
        .where(
            visible,
            E.closed_at >= earlier_from,
            E.closed_at < start,
            E.outcome == "action_ordered",
        )
        .order_by(E.closed_at.desc())
    ).all()
    case_ids = {e.case_id for e in (*still_open, *decided, *earlier) if e.case_id}
    cases = (
        {
            row.id: row
            for row in db.session.execute(
                select(Case.id, Case.received_at, Case.status, Case.subject).where(
                    Case.id.in_(case_ids)
                )
            )
        }
        if case_ids
        else {}
    )

    def age_band(e: Escalation) -> str:
        days = (end - e.opened_at) / timedelta(days=1)
        for code, (_label, low, high) in AGES.items():
            if days >= low and (high is None or days < high):
                return code
        return "older"

    def subject(e: Escalation) -> dict[str, Any]:
        row = cases.get(e.case_id) if e.case_id else None
        return {
            "id": e.id,
            "reason": e.reason,
            "level": e.level,
            "department_id": e.department_id,
            "case_id": e.case_id,
            "ref": case_ref(row.id, row.received_at) if row else None,
            "subject": quote(row.subject if row else e.detail, 80),
            "opened_at": e.opened_at.isoformat(),
        }

    open_by_age = Counter(age_band(e) for e in still_open)
    waiting = [e for e in still_open if e.level == 2]
    return {
        "available": True,
        "new": {
            "total": len(new),
            "management": sum(1 for e in new if e.level == 2),
            "by_reason": dict(Counter(e.reason for e in new)),
        },
        "open": {
            "total": len(still_open),
            "by_age": {code: open_by_age.get(code, 0) for code in AGES},
            "waiting_for_decision": len(waiting),
            "oldest_days": round((end - waiting[0].opened_at) / timedelta(days=1), 1)
            if waiting
            else None,
            "items": [{**subject(e), "age": age_band(e)} for e in still_open[:OPEN_SHOWN]],
        },
        "decided": {
            "total": len(decided),
            "by_outcome": dict(Counter(e.outcome for e in decided)),
            "items": [
                {
                    **subject(e),
                    "outcome": e.outcome,
                    "decision": quote(e.decision, DECISION_CLIP),
                }
                for e in decided[:DECISIONS_SHOWN]
            ],
        },
        "earlier": {
            "total": len(earlier),
            "case_resolved": sum(
                1
                for e in earlier
                if e.case_id in cases and cases[e.case_id].status in ("resolved", "closed")
            ),
            "items": [
                {
                    **subject(e),
                    "decision": quote(e.decision, DECISION_CLIP),
                    "decided_at": e.closed_at.isoformat(),
                    "case_status": cases[e.case_id].status if e.case_id in cases else None,
                }
                for e in earlier[:DECISIONS_SHOWN]
            ],
        },
        "departments": department_names(e.department_id for e in (*new, *still_open, *decided)),
    }
