"""Themes and surges in the weekly digest: the week's top themes (relq.themes.services'
compute_themes, read as the digest's scope reads) and the surge alerts recorded during the
week, each with two or three of the customers' own words, personal data removed. Reads only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from relq.cases.models import Case
from relq.db import db
from relq.digest.scope import DigestScope, case_ref
from relq.digest.scrub import quote
from relq.themes.models import SurgeAlert
from relq.themes.services import compute_themes

TOP_THEMES = 5
VERBATIMS = 3
VERBATIM_CLIP = 160
SURGES_SHOWN = 6


def section(scope: DigestScope) -> dict[str, Any]:
    themes = compute_themes(scope.reader(), start=scope.start, end=scope.end, limit=TOP_THEMES)
    surges = _surges(scope)
    return {
        "available": True,
        "themes": [
            {
                "label": theme.label,
                "count": theme.count,
                "previous": theme.previous,
                "is_new": not any(theme.previous),
                "verbatims": [
                    {"case_id": v.case_id, "ref": v.ref, "text": quote(v.text, VERBATIM_CLIP)}
                    for v in theme.verbatims[:VERBATIMS]
                ],
            }
            for theme in themes
        ],
        "surge_count": len(surges),
        "surges": surges[:SURGES_SHOWN],
    }


def _surges(scope: DigestScope) -> list[dict[str, Any]]:
    """The alerts recorded during the week (their week_end is the Tokyo day they were found),
    one per key, with the cases of the scope among their cases."""
    monday = scope.week.monday
    alerts = db.session.scalars(
        select(SurgeAlert)
        .where(SurgeAlert.week_end >= monday, SurgeAlert.week_end < monday + timedelta(days=7))
        .order_by(SurgeAlert.p_value, SurgeAlert.id)
    ).all()
    latest: dict[str, SurgeAlert] = {}
    for alert in alerts:
        if alert.key not in latest or alert.observed > latest[alert.key].observed:
            latest[alert.key] = alert
    wanted = {int(c) for a in latest.values() for c in a.case_ids}
    cases = {}
    if wanted:
        cases = {
            row.id: row
            for row in db.session.execute(
                select(Case.id, Case.received_at, Case.customer_words).where(
                    Case.id.in_(wanted), scope.cases()
                )
            )
        }
    found = []
    for alert in sorted(latest.values(), key=lambda a: (a.p_value, a.id)):
        mine = [cases[int(c)] for c in alert.case_ids if int(c) in cases]
        if not mine:
            continue  # none of its cases is this scope's
        mine.sort(key=lambda r: (len(r.customer_words or ""), r.id))
        found.append(
            {
                "id": alert.id,
                "label": alert.label,
                "kind": alert.kind,
                "product": alert.product,
                "observed": alert.observed,
                "expected": round(alert.expected, 2),
                "cases_in_scope": len(mine),
                "verbatims": [
                    {
                        "case_id": r.id,
                        "ref": case_ref(r.id, r.received_at),
                        "text": quote(r.customer_words, VERBATIM_CLIP),
                    }
                    for r in mine[:VERBATIMS]
                    if r.customer_words
                ],
            }
        )
    return found
