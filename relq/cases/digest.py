"""The cases' part of the weekly digest: the week's volume by kind and channel (per day, against
the mean of the weeks before and the same ISO week a year before, when the history reaches
back that far), complaints per 1,000 cases by product, and the front line's observations
(現場の気づき) written this week, their personal data removed. Reads only."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import case, func, select

from relq.cases.models import CHANNELS, KINDS, Case, Note
from relq.db import db
from relq.digest.scope import BASELINE_WEEKS, DigestScope, case_ref, week_bucket
from relq.digest.scrub import quote

# Products shown in the complaints table (most complaints first).
TOP_PRODUCTS = 10
# Observations quoted (newest first); the section counts them all.
OBSERVATIONS_SHOWN = 6
OBSERVATION_CLIP = 200


def section(scope: DigestScope) -> dict[str, Any]:
    return {
        "available": True,
        "volume": volume(scope),
        "products": products(scope),
        "observations": observations(scope),
    }


def volume(scope: DigestScope) -> dict[str, Any]:
    """Counts by kind and channel: this week's per day, each of the BASELINE_WEEKS before, and
    the same ISO week a year before (None when nothing that old is recorded in this scope)."""
    end = scope.end
    bucket, earliest = week_bucket(Case.received_at, scope.week, BASELINE_WEEKS)
    rows = db.session.execute(
        select(bucket.label("bucket"), Case.kind, Case.channel, func.count())
        .where(scope.cases(), Case.received_at >= earliest, Case.received_at < end)
        .group_by(bucket, Case.kind, Case.channel)
        .order_by(None)
    ).all()
    days = [0] * 7
    kinds_days: dict[str, list[int]] = {k: [0] * 7 for k in KINDS}
    by_kind = dict.fromkeys(KINDS, 0)
    by_channel = dict.fromkeys(CHANNELS, 0)
    weeks_before = [0] * BASELINE_WEEKS  # index 0: the week just before
    kind_before = {k: [0] * BASELINE_WEEKS for k in KINDS}
    channel_before = {c: [0] * BASELINE_WEEKS for c in CHANNELS}
    for index, kind, channel, count in rows:
        index = int(index)
        if index >= 0:
            days[index] += count
            kinds_days[kind][index] += count
            by_kind[kind] += count
            by_channel[channel] += count
        elif -index <= BASELINE_WEEKS:
            weeks_before[-index - 1] += count
            kind_before[kind][-index - 1] += count
            channel_before[channel][-index - 1] += count

    def mean(values: list[int]) -> float:
        return round(sum(values) / len(values), 2)

    year_before = _year_before(scope)
    return {
        "total": sum(days),
        "days": days,
        "kinds_by_day": kinds_days,
        "by_kind": by_kind,
        "by_channel": by_channel,
        "weeks_before": weeks_before,
        "baseline": mean(weeks_before),
        "baseline_by_kind": {k: mean(v) for k, v in kind_before.items()},
        "baseline_by_channel": {c: mean(v) for c, v in channel_before.items()},
        "year_before": year_before,
    }


def _year_before(scope: DigestScope) -> dict[str, Any] | None:
    week = scope.week.year_before()
    if week is None:
        return None
    start, end = week.bounds()
    # Whether relq's record reaches back that far (for any scope: the department's own first
    # case would cost a scan of every case; the received_at index answers this at once).
    first = db.session.scalar(select(func.min(Case.received_at)))
    if first is None or first >= start:
        return None  # the record does not reach back a year: no comparison, not a zero
    rows = db.session.execute(
        select(Case.kind, Case.channel, func.count())
        .where(scope.cases(), Case.received_at >= start, Case.received_at < end)
        .group_by(Case.kind, Case.channel)
        .order_by(None)
    ).all()
    by_kind = dict.fromkeys(KINDS, 0)
    by_channel = dict.fromkeys(CHANNELS, 0)
    for kind, channel, count in rows:
        by_kind[kind] += count
        by_channel[channel] += count
    return {
        "week": str(week),
        "total": sum(by_kind.values()),
        "by_kind": by_kind,
        "by_channel": by_channel,
    }


def products(scope: DigestScope) -> dict[str, Any]:
    """Per product named on the cases: this week's cases and complaints, complaints per 1,000
    cases, and the same rate over the weeks before (the baseline)."""
    earliest = scope.week.previous(BASELINE_WEEKS).bounds()[0]
    this_week = Case.received_at >= scope.start
    is_complaint = Case.kind == "complaint"
    product = func.trim(Case.product)
    rows = db.session.execute(
        select(
            product.label("product"),
            func.sum(case((this_week, 1), else_=0)),
            func.sum(case((this_week & is_complaint, 1), else_=0)),
            func.count(),
            func.sum(case((is_complaint, 1), else_=0)),
        )
        .where(scope.cases(), Case.received_at >= earliest, Case.received_at < scope.end)
        .group_by(product)
        .order_by(None)
    ).all()
    found = []
    all_cases = all_complaints = 0
    for name, cases_now, complaints_now, cases_all, complaints_all in rows:
        cases_now, complaints_now = int(cases_now or 0), int(complaints_now or 0)
        all_cases += cases_now
        all_complaints += complaints_now
        if not complaints_now:
            continue
        cases_before = int(cases_all) - cases_now
        complaints_before = int(complaints_all or 0) - complaints_now
        found.append(
            {
                "product": name or "",
                "cases": cases_now,
                "complaints": complaints_now,
                "per_1000": _per_1000(complaints_now, cases_now),
                "per_1000_before": _per_1000(complaints_before, cases_before),
            }
        )
    found.sort(key=lambda p: (-p["complaints"], -p["per_1000"], p["product"]))
    return {
        "cases": all_cases,
        "complaints": all_complaints,
        "per_1000": _per_1000(all_complaints, all_cases),
        "products_with_complaints": len(found),
        "rows": found[:TOP_PRODUCTS],
    }


def _per_1000(part: int, whole: int) -> float | None:
    return round(1000 * part / whole, 1) if whole else None


def observations(scope: DigestScope) -> dict[str, Any]:
    """The front line's observations written this week on the scope's cases (any case: an
    observation on an older case is news too), newest first, personal data removed."""
    condition = (
        (Note.kind == "observation")
        & (Note.created_at >= scope.start)
        & (Note.created_at < scope.end)
    )
    count = db.session.scalar(
        select(func.count()).select_from(Note).join(Case).where(condition, scope.cases())
    )
    rows = db.session.execute(
        select(Note.id, Note.body, Note.created_at, Case.id, Case.received_at, Case.kind)
        .join(Case, Case.id == Note.case_id)
        .where(condition, scope.cases())
        .order_by(Note.created_at.desc(), Note.id.desc())
        .limit(OBSERVATIONS_SHOWN)
    ).all()
    by_kind: dict[str, int] = defaultdict(int)
    for kind, n in db.session.execute(
        select(Case.kind, func.count())
        .select_from(Note)
        .join(Case)
        .where(condition, scope.cases())
        .group_by(Case.kind)
    ):
        by_kind[kind] = n
    return {
        "count": int(count or 0),
        "by_kind": dict(by_kind),
        "items": [
            {
                "case_id": case_id,
                "ref": case_ref(case_id, received_at),
                "kind": kind,
                "written_at": created_at.isoformat(),
                "text": quote(body, OBSERVATION_CLIP),
            }
            for _note_id, body, created_at, case_id, received_at, kind in rows
        ],
    }
