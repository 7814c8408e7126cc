"""The relationship map: for a period, every directed edge A→B (department A asked B) with its
handoffs, the median time to accept and turnaround (business minutes kept on each handoff),
the share overdue, the mean ratings, the bounce rate and the thank-yous, its change against
the week before, and the stall points.

Everything is aggregated in SQL, in one GROUP BY over the period's handoffs (and a second for
the week-over-week counts); medians are relq.db.median (percentile_cont on PostgreSQL, an
aggregate of relq's own on SQLite). No handoff is loaded into Python. The result is plain
data, kept per period while the "handoffs" and "org" topics
are unchanged (relq/cache.py): a handoff's step, or the clock stamping one overdue, bumps it.
Reads only.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, text

from relq.cache import kept
from relq.db import db, median, utcnow
from relq.deadlines.calendar import OFFICE_TZ
from relq.handoffs.models import WAITING_FOR_PROVIDER, Handoff
from relq.handoffs.services import visible_handoffs
from relq.org.models import Department, User

DEFAULT_WEEKS = 4
MAX_WEEKS = 53
# Stall points, as data. An edge with at least STALL_MIN_HANDOFFS handoffs in the period is a
# stall point where requests wait longest: its median turnaround is at least STALL_WAIT_FACTOR
# times the typical edge's (the median of all edges' medians), or at least STALL_OVERDUE_SHARE
# of its handoffs are overdue. An edge with at least STALL_MIN_HANDOFFS answers is one where
# they bounce most: at least STALL_BOUNCE_FLOOR of its answers sent back, and
# STALL_BOUNCE_FACTOR times the share of all answers sent back. (Fewer than that is too few to
# call: one answer sent back of three is not a pattern.)
STALL_MIN_HANDOFFS = 5
STALL_WAIT_FACTOR = 2.0
STALL_OVERDUE_SHARE = 0.5
STALL_BOUNCE_FLOOR = 0.25
STALL_BOUNCE_FACTOR = 2.0
SLOW, BOUNCES = "slow", "bounces"


def _utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=OFFICE_TZ).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """Whole ISO weeks (Monday to Sunday, Asia/Tokyo): `weeks` of them from `first_monday`."""

    first_monday: date
    weeks: int

    @classmethod
    def of(cls, start: date, weeks: int) -> Period:
        weeks = max(1, min(int(weeks), MAX_WEEKS))
        return cls(start - timedelta(days=start.weekday()), weeks)

    @property
    def end_monday(self) -> date:
        return self.first_monday + timedelta(weeks=self.weeks)

    @property
    def last_sunday(self) -> date:
        return self.end_monday - timedelta(days=1)

    @property
    def starts_at(self) -> datetime:
        return _utc(self.first_monday)

    @property
    def ends_at(self) -> datetime:
        return _utc(self.end_monday)

    @property
    def last_week_at(self) -> datetime:
        """The start of the period's last week (compared with the week before it)."""
        return _utc(self.end_monday - timedelta(weeks=1))

    @property
    def week_before_at(self) -> datetime:
        return _utc(self.end_monday - timedelta(weeks=2))


def default_period(now: datetime | None = None) -> Period:
    """The last DEFAULT_WEEKS complete ISO weeks in the office's calendar."""
    today = (now or utcnow()).astimezone(OFFICE_TZ).date()
    this_monday = today - timedelta(days=today.weekday())
    return Period(this_monday - timedelta(weeks=DEFAULT_WEEKS), DEFAULT_WEEKS)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class EdgeMetrics:
    requester_id: int
    provider_id: int
    handoffs: int
    median_accept_minutes: float | None
    median_turnaround_minutes: float | None
    # Handoffs neither declined nor cancelled, and those of them answered after their due
    # time or still waiting for the provider past it (stamped by the clock).
    counted: int
    overdue: int
    rated: int
    mean_usefulness: float | None
    mean_speed: float | None
    # Handoffs answered at least once, and those of them sent back at least once.
    answered: int
    bounced: int
    thanked: int
    # Week over week: the period's last week against the week before it.
    last_week: int = 0
    week_before: int = 0
    last_week_overdue_share: float | None = None
    week_before_overdue_share: float | None = None
    stall: frozenset[str] = frozenset()

    @property
    def overdue_share(self) -> float | None:
        return _share(self.overdue, self.counted)

    @property
    def bounce_rate(self) -> float | None:
        return _share(self.bounced, self.answered)

    @property
    def change(self) -> int:
        return self.last_week - self.week_before

    @property
    def is_stall(self) -> bool:
        return bool(self.stall)


@dataclass(frozen=True)
class RelationshipMap:
    period: Period
    department_ids: tuple[int, ...]
    edges: tuple[EdgeMetrics, ...]
    # What a stall point is measured against.
    typical_turnaround_minutes: float | None
    overall_bounce_rate: float | None

    def edge(self, requester_id: int, provider_id: int) -> EdgeMetrics | None:
        for found in self.edges:
            if (found.requester_id, found.provider_id) == (requester_id, provider_id):
                return found
        return None

    @property
    def stall_points(self) -> tuple[EdgeMetrics, ...]:
        return tuple(e for e in self.edges if e.is_stall)


# ---- SQL building blocks ---------------------------------------------------------------------


def overdue_expression() -> ColumnElement[int]:
    """1 for a handoff answered after its due time (the answer confirmed, or the latest one
    while it waits to be confirmed) or still waiting for its provider past the due time."""
    return case(
        (Handoff.answered_late.is_(True), 1),
        (and_(Handoff.answered_late.is_(None), Handoff.answered_at > Handoff.due_at), 1),
        (and_(Handoff.status.in_(WAITING_FOR_PROVIDER), Handoff.overdue_at.is_not(None)), 1),
        else_=0,
    )


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def counted_expression() -> ColumnElement[int]:
    return case((Handoff.status.in_(("declined", "cancelled")), 0), else_=1)


def medians(source: Select, keys: tuple[str, ...], value: str) -> dict[tuple, float]:
    """The median of `value` per `keys`, over the rows of `source` (a select naming those
    columns) whose value is not null (relq.db.median: percentile_cont on PostgreSQL, an
    aggregate of relq's own on SQLite)."""
    sub = source.subquery()
    groups = [sub.c[k] for k in keys]
    query = select(*groups, median(sub.c[value])).where(sub.c[value].is_not(None)).group_by(*groups)
    return {tuple(row[:-1]): float(row[-1]) for row in db.session.execute(query)}


# ---- the map ---------------------------------------------------------------------------------


def relationship_map(period: Period) -> RelationshipMap:
    """Every edge of `period`, kept while handoffs and departments are unchanged."""
    return kept(("handoffs", "org"), ("relationship-map", period), lambda: _compute_map(period))


def _compute_map(period: Period) -> RelationshipMap:
    H = Handoff  # noqa: N806
    # One pass: the handoffs asked in the period (and in the week before its last, which may
    # precede it), then every figure of every edge, its medians and its week-over-week counts
    # included, in one GROUP BY. On PostgreSQL the rows are a materialised CTE, so that it
    # sorts the period's rows for percentile_cont instead of walking the whole edge index in
    # order with a heap fetch per row (52 weeks at 1M: 7 s that way, 2 s this); SQLite reads
    # the period once (inlined: materialised costs it more) instead of once per figure.
    rows_of = (
        select(
            H.requester_department_id.label("a"),
            H.provider_department_id.label("b"),
            H.requested_at.label("at"),
            counted_expression().label("counted"),
            overdue_expression().label("overdue"),
            H.usefulness,
            H.speed,
            _flag(H.first_answered_at.is_not(None)).label("answered"),
            _flag(H.bounces > 0).label("bounced"),
            _flag(H.thanks != "").label("thanked"),
            H.accept_minutes,
            H.turnaround_minutes,
        )
        .where(
            H.requested_at >= min(period.starts_at, period.week_before_at),
            H.requested_at < period.ends_at,
        )
        .cte("period_handoffs")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    p = rows_of.c
    in_period = p.at >= period.starts_at
    last_week = p.at >= period.last_week_at
    week_before = and_(p.at >= period.week_before_at, p.at < period.last_week_at)
    figures = (
        func.count().filter(in_period),
        func.sum(p.counted).filter(in_period),
        func.sum(p.overdue).filter(in_period),
        func.count(p.usefulness).filter(in_period),
        func.avg(p.usefulness).filter(in_period),
        func.avg(p.speed).filter(in_period),
        func.sum(p.answered).filter(in_period),
        func.sum(p.bounced).filter(in_period),
        func.sum(p.thanked).filter(in_period),
        median(p.accept_minutes).filter(in_period),
        median(p.turnaround_minutes).filter(in_period),
        func.count().filter(last_week),
        func.sum(p.counted).filter(last_week),
        func.sum(p.overdue).filter(last_week),
        func.count().filter(week_before),
        func.sum(p.counted).filter(week_before),
        func.sum(p.overdue).filter(week_before),
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # The period's rows sorted in memory for the medians (4 weeks at 1M: ~22 MB; the
        # default 4 MB sorts on disk, 0.9 s instead of 0.5 s). For this transaction only.
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
    rows = db.session.execute(select(p.a, p.b, *figures).group_by(p.a, p.b)).all()
    edges = []
    for row in rows:
        a, b, n, n_counted, n_overdue, rated, use, speed, answered, bounced, thanked = row[:11]
        accept, turnaround = row[11:13]
        last, before = [tuple(int(v or 0) for v in row[k : k + 3]) for k in (13, 16)]
        if not n:  # asked only in the week before a one-week period
            continue
        edges.append(
            EdgeMetrics(
                requester_id=a,
                provider_id=b,
                handoffs=n,
                median_accept_minutes=float(accept) if accept is not None else None,
                median_turnaround_minutes=float(turnaround) if turnaround is not None else None,
                counted=int(n_counted or 0),
                overdue=int(n_overdue or 0),
                rated=rated,
                mean_usefulness=float(use) if use is not None else None,
                mean_speed=float(speed) if speed is not None else None,
                answered=int(answered or 0),
                bounced=int(bounced or 0),
                thanked=int(thanked or 0),
                last_week=last[0],
                week_before=before[0],
                last_week_overdue_share=_share(last[2], last[1]),
                week_before_overdue_share=_share(before[2], before[1]),
            )
        )
    typical = statistics.median(
        [e.median_turnaround_minutes for e in edges if e.median_turnaround_minutes is not None]
        or [0]
    )
    answered_all = sum(e.answered for e in edges)
    overall_bounce = _share(sum(e.bounced for e in edges), answered_all)
    edges = [_with_stall(e, typical or None, overall_bounce) for e in edges]
    edges.sort(key=lambda e: (not e.is_stall, -e.handoffs, e.requester_id, e.provider_id))
    seen = {e.requester_id for e in edges} | {e.provider_id for e in edges}
    department_ids = tuple(
        db.session.scalars(
            select(Department.id)
            .where(or_(Department.is_active.is_(True), Department.id.in_(seen)))
            .order_by(Department.id)
        )
    )
    return RelationshipMap(
        period=period,
        department_ids=department_ids,
        edges=tuple(edges),
        typical_turnaround_minutes=typical or None,
        overall_bounce_rate=overall_bounce,
    )


def stall_reasons(
    edge: EdgeMetrics, typical_turnaround: float | None, overall_bounce_rate: float | None
) -> frozenset[str]:
    """Why `edge` is a stall point (SLOW, BOUNCES), by the rule in this module's constants."""
    found = set()
    turnaround = edge.median_turnaround_minutes
    if (
        edge.handoffs >= STALL_MIN_HANDOFFS
        and (
            turnaround is not None
            and typical_turnaround
            and turnaround >= STALL_WAIT_FACTOR * typical_turnaround
        )
        or (edge.overdue_share or 0) >= STALL_OVERDUE_SHARE
    ):
        found.add(SLOW)
    rate = edge.bounce_rate
    if (
        edge.answered >= STALL_MIN_HANDOFFS
        and rate is not None
        and rate >= STALL_BOUNCE_FLOOR
        and rate >= STALL_BOUNCE_FACTOR * (overall_bounce_rate or 0)
    ):
        found.add(BOUNCES)
    return frozenset(found)


def _with_stall(edge: EdgeMetrics, typical: float | None, bounce: float | None) -> EdgeMetrics:
    from dataclasses import replace

    return replace(edge, stall=stall_reasons(edge, typical, bounce))


# ---- the drill-down --------------------------------------------------------------------------


def edge_handoffs(
    user: User, requester_id: int, provider_id: int, period: Period, *, limit: int = 200
) -> list[Handoff]:
    """The handoffs of one edge in `period` that `user` may read (handoffs' own scoping door),
    newest first."""
    return list(
        db.session.scalars(
            visible_handoffs(user)
            .where(
                Handoff.requester_department_id == requester_id,
                Handoff.provider_department_id == provider_id,
                Handoff.requested_at >= period.starts_at,
                Handoff.requested_at < period.ends_at,
            )
            .order_by(Handoff.requested_at.desc(), Handoff.id.desc())
            .limit(limit)
        )
    )


def departments_by_id(ids) -> dict[int, Department]:
    ids = set(ids)
    if not ids:
        return {}
    return {d.id: d for d in db.session.scalars(select(Department).where(Department.id.in_(ids)))}


def active_department_list() -> list[Department]:
    return list(
        db.session.scalars(
            select(Department).where(Department.is_active.is_(True)).order_by(Department.id)
        )
    )
