"""The figures of a management review pack (ISO 10002 §8.3-8.7), for one period beside the
period before it.

Every figure is a SQL aggregate (GROUP BY, conditional sums, medians in the database) over the
cases the actor may see (relq.access.case_scope, the one door; reviews are read by executives
and admins, who see every case): no case row is loaded into Python. Reads only.

- Received: every case by kind; complaints (kind "complaint") by channel and by category (the
  top-level tag of their accepted tags; a complaint with tags in two categories counts in
  both, once in each).
- Deadlines: the clocks of the cases received in the period (acknowledgement, first response,
  resolution; cancelled clocks and customer-harassment cases left out, as on the 期限 page):
  met on time, met late, missed (open past due), still running. The targets are the deadline
  policies in business time (relq.deadlines); the medians are of the elapsed time from the
  clock's start to when it was met, in hours on the clock (relq.deadlines keeps no business
  time per clock, so a business-time median would have to walk every clock in Python).
- Satisfaction: relq.csat.results.satisfaction over the period, summed over departments.
- Escalations raised in the period by reason; those closed in it by outcome; management's
  decisions (経営判断) with their words.
- Surges (relq.themes) whose week ended in the period, one row per theme key, with the weeks
  it surged in this period and the one before, the escalations' outcomes and the review actions
  taken on it.
- Earlier actions: the actions decided in held reviews of earlier periods, their status, and
  the complaints of their category or theme in that review's period against this one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select

from relq.access import case_scope, escalation_scope
from relq.cases.models import CHANNELS, KINDS, SEVERITIES, Case
from relq.db import db, utcnow
from relq.deadlines.calendar import OFFICE_TZ
from relq.deadlines.models import DEADLINE_KINDS, DEFAULT_POLICIES, CaseDeadline, DeadlinePolicy
from relq.escalations.models import OUTCOMES, REASONS, Escalation
from relq.org.models import User
from relq.relations.services import medians
from relq.review.models import (
    ACTION_STATUSES,
    PERIOD_KINDS,
    REVIEW_STATUSES,
    ManagementReview,
    ReviewAction,
)
from relq.review.periods import Period, of_review
from relq.tags.models import CaseTag, Tag
from relq.themes.models import SurgeAlert

CURRENT, PREVIOUS = 1, 0
DECISIONS_SHOWN = 15
THEMES_SHOWN = 15
# The pack's templates' words (page and PDF).
WORDS = {
    "REVIEW_STATUSES": REVIEW_STATUSES,
    "ACTION_STATUSES": ACTION_STATUSES,
    "PERIOD_KINDS": PERIOD_KINDS,
    "CURRENT": CURRENT,
    "PREVIOUS": PREVIOUS,
    "DEADLINE_KINDS": DEADLINE_KINDS,
    "SEVERITIES": SEVERITIES,
    "OUTCOMES": OUTCOMES,
}


@dataclass(frozen=True)
class Row:
    """One line of a comparison: this period's count beside the previous period's."""

    code: object
    label: object  # a lazy string for coded rows: translated when shown
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def change_percent(self) -> float | None:
        return 100.0 * self.change / self.previous if self.previous else None


@dataclass
class Clocks:
    on_time: int = 0
    late: int = 0
    missed: int = 0
    running: int = 0
    median_hours: float | None = None

    @property
    def decided(self) -> int:
        return self.on_time + self.late + self.missed

    @property
    def on_time_percent(self) -> float | None:
        return 100.0 * self.on_time / self.decided if self.decided else None


@dataclass(frozen=True)
class Satisfaction:
    sent: int
    responses: int
    mean: float | None
    csat_percent: float | None  # answers of 4 or 5, of the answers

    @property
    def response_percent(self) -> float | None:
        return 100.0 * self.responses / self.sent if self.sent else None


@dataclass(frozen=True)
class Decision:
    escalation_id: int
    case_ref: str | None
    reason: object
    outcome: object
    decision: str
    closed_at: datetime


@dataclass(frozen=True)
class ThemeRow:
    key: str
    label: str
    weeks: int
    weeks_before: int
    observed: int
    escalations: dict[str, int]  # outcome code ("open" while open) -> count
    actions: list[ReviewAction]


@dataclass(frozen=True)
class Effect:
    action: ReviewAction
    review: ManagementReview
    before_period: Period
    before: int | None  # complaints of the action's category/theme then (None: nothing linked)
    after: int | None  # and in this period
    before_days: int  # the days of each period that have passed (a period may be running)
    after_days: int

    @property
    def before_per_30_days(self) -> float | None:
        return None if self.before is None else 30.0 * self.before / max(self.before_days, 1)

    @property
    def after_per_30_days(self) -> float | None:
        return None if self.after is None else 30.0 * self.after / max(self.after_days, 1)


@dataclass
class Pack:
    period: Period
    previous: Period
    computed_at: datetime
    by_kind: list[Row]
    by_channel: list[Row]
    by_category: list[Row]
    clocks: dict[int, dict[str, Clocks]]  # CURRENT/PREVIOUS -> deadline kind -> tallies
    targets: dict[int, dict[str, int]]  # severity -> deadline kind -> business minutes
    satisfaction: dict[int, Satisfaction | None] | None  # None: no survey data source
    satisfaction_by_channel: list[tuple[str, Satisfaction]]
    escalations_by_reason: list[Row]
    escalations_by_outcome: list[Row]
    decisions: list[Decision]
    themes: list[ThemeRow]
    effects: list[Effect]
    actions: list[ReviewAction] = field(default_factory=list)

    @property
    def received(self) -> Row:
        return Row(
            "total",
            "",
            sum(r.current for r in self.by_kind),
            sum(r.previous for r in self.by_kind),
        )

    @property
    def complaints(self) -> Row:
        found = next((r for r in self.by_kind if r.code == "complaint"), None)
        return found or Row("complaint", "", 0, 0)


def _split(column, period: Period) -> ColumnElement[int]:
    """1 for this period, 0 for the previous one (the query keeps only the two)."""
    return case((column >= period.starts_at, CURRENT), else_=PREVIOUS)


def _in_both(column, period: Period, previous: Period) -> ColumnElement[bool]:
    return and_(column >= previous.starts_at, column < period.ends_at)


def _rows(counts: dict, labels: dict) -> list[Row]:
    codes = list(labels) + sorted((c for c in counts if c not in labels), key=str)
    return [
        Row(
            code,
            labels.get(code, code),
            counts.get(code, {}).get(CURRENT, 0),
            counts.get(code, {}).get(PREVIOUS, 0),
        )
        for code in codes
        if code in counts or code in labels
    ]


def _grouped(query) -> dict:
    """{code: {CURRENT: n, PREVIOUS: n}} from rows (period, code, count), grouped outside the
    CASE (PostgreSQL does not see two copies of a CASE with parameters as one expression)."""
    sub = query.subquery()
    found: dict = defaultdict(dict)
    for p, code, n in db.session.execute(
        select(sub.c.p, sub.c.code, func.count()).group_by(sub.c.p, sub.c.code)
    ):
        found[code][int(p)] = int(n)
    return found


def _received(actor: User, period: Period, previous: Period):
    base = (Case.received_at >= previous.starts_at, Case.received_at < period.ends_at)
    p = _split(Case.received_at, period).label("p")
    kinds = _grouped(select(p, Case.kind.label("code")).where(*base, case_scope(actor)))
    channels = _grouped(
        select(p, Case.channel.label("code")).where(
            *base, Case.kind == "complaint", case_scope(actor)
        )
    )
    category = func.coalesce(Tag.parent_id, Tag.id)
    categories = _grouped(
        select(p, category.label("code"), Case.id.label("case_id"))
        .select_from(Case)
        .join(CaseTag, and_(CaseTag.case_id == Case.id, CaseTag.state == "accepted"))
        .join(Tag, Tag.id == CaseTag.tag_id)
        .where(*base, Case.kind == "complaint", case_scope(actor))
        .distinct()  # a case once per category
    )
    return kinds, channels, categories


def _category_rows(counts: dict, locale: str) -> list[Row]:
    tags = {t.id: t for t in db.session.scalars(select(Tag).where(Tag.id.in_(list(counts))))}
    rows = [
        Row(
            tag_id,
            tags[tag_id].name_for(locale) if tag_id in tags else str(tag_id),
            by.get(CURRENT, 0),
            by.get(PREVIOUS, 0),
        )
        for tag_id, by in counts.items()
    ]
    return sorted(rows, key=lambda r: (-r.current, -r.previous, r.label))


def _hours(started, ended) -> ColumnElement[float]:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", ended - started) / 3600.0
    return (func.julianday(ended) - func.julianday(started)) * 24.0


def _clocks(actor: User, period: Period, previous: Period, now: datetime):
    from relq.harassment.models import HarassmentReport

    D = CaseDeadline  # noqa: N806
    where = (
        _in_both(Case.received_at, period, previous),
        D.cancelled_at.is_(None),
        case_scope(actor),
        ~select(HarassmentReport.id).where(HarassmentReport.case_id == D.case_id).exists(),
    )
    counted = (
        select(
            _split(Case.received_at, period).label("p"),
            D.kind.label("kind"),
            case((D.met_at <= D.due_at, 1), else_=0).label("on_time"),
            case((D.met_at > D.due_at, 1), else_=0).label("late"),
            case((and_(D.met_at.is_(None), D.due_at <= now), 1), else_=0).label("missed"),
            case((and_(D.met_at.is_(None), D.due_at > now), 1), else_=0).label("running"),
            _hours(D.started_at, D.met_at).label("hours"),  # NULL while not met
        )
        .join(Case, Case.id == D.case_id)
        .where(*where)
    ).subquery()
    found: dict[int, dict[str, Clocks]] = {
        p: {kind: Clocks() for kind in DEADLINE_KINDS} for p in (CURRENT, PREVIOUS)
    }
    # PostgreSQL takes the medians in the same pass (percentile_cont skips the NULLs of the
    # clocks not met); SQLite walks the met clocks once more (relq.relations' medians).
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    median = (
        func.percentile_cont(0.5).within_group(counted.c.hours) if postgresql else literal(None)
    )
    for p, kind, on_time, late, missed, running, hours in db.session.execute(
        select(
            counted.c.p,
            counted.c.kind,
            func.sum(counted.c.on_time),
            func.sum(counted.c.late),
            func.sum(counted.c.missed),
            func.sum(counted.c.running),
            median,
        ).group_by(counted.c.p, counted.c.kind)
    ):
        found[int(p)][kind] = Clocks(
            int(on_time or 0),
            int(late or 0),
            int(missed or 0),
            int(running or 0),
            None if hours is None else float(hours),
        )
    if postgresql:
        return found
    source = (
        select(
            _split(Case.received_at, period).label("p"),
            D.kind.label("kind"),
            _hours(D.started_at, D.met_at).label("hours"),
        )
        .join(Case, Case.id == D.case_id)
        .where(*where, D.met_at.is_not(None))
    )
    for (p, kind), value in medians(source, ("p", "kind"), "hours").items():
        found[int(p)][kind].median_hours = value
    return found


def _targets() -> dict[int, dict[str, int]]:
    policies = {p.severity: p.minutes for p in db.session.scalars(select(DeadlinePolicy))}
    return {
        severity: {
            "acknowledge": minutes.acknowledge,
            "first_response": minutes.first_response,
            "resolution": minutes.resolution,
        }
        for severity, minutes in sorted((DEFAULT_POLICIES | policies).items())
    }


def _satisfaction(period: Period, previous: Period):
    try:
        from relq.csat.results import satisfaction
    except ImportError:  # the CSAT capability is not installed: no survey data
        return None, []

    def total(rows) -> Satisfaction | None:
        sent = sum(r.sent for r in rows)
        if not sent:
            return None
        responses = sum(r.responses for r in rows)
        answered = [r for r in rows if r.responses]
        score = sum(r.mean * r.responses for r in answered)
        satisfied = sum(r.csat_share * r.responses / 100.0 for r in answered)
        return Satisfaction(
            sent,
            responses,
            score / responses if responses else None,
            100.0 * satisfied / responses if responses else None,
        )

    # The CSAT rows are already aggregated in SQL (per department and channel): summed here.
    current = satisfaction(period.starts_at, period.ends_at)
    before = satisfaction(previous.starts_at, previous.ends_at)
    by_channel: dict[str, list] = defaultdict(list)
    for row in current:
        by_channel[row.channel].append(row)
    channels = [
        (CHANNELS.get(code, code), total(rows))
        for code, rows in sorted(
            by_channel.items(), key=lambda i: list(CHANNELS).index(i[0]) if i[0] in CHANNELS else 99
        )
    ]
    return {CURRENT: total(current), PREVIOUS: total(before)}, [c for c in channels if c[1]]


def _escalations(actor: User, period: Period, previous: Period):
    E = Escalation  # noqa: N806
    raised = _grouped(
        select(_split(E.opened_at, period).label("p"), E.reason.label("code")).where(
            _in_both(E.opened_at, period, previous), escalation_scope(actor)
        )
    )
    closed = _grouped(
        select(_split(E.closed_at, period).label("p"), E.outcome.label("code")).where(
            _in_both(E.closed_at, period, previous), escalation_scope(actor)
        )
    )
    labels = {code: r.label for code, r in REASONS.items()}
    by_reason = [r for r in _rows(raised, labels) if r.current or r.previous]
    by_outcome = [r for r in _rows(closed, OUTCOMES) if r.current or r.previous]
    rows = db.session.execute(
        select(E.id, E.case_id, Case.received_at, E.reason, E.outcome, E.decision, E.closed_at)
        .outerjoin(Case, Case.id == E.case_id)
        .where(
            E.closed_at >= period.starts_at,
            E.closed_at < period.ends_at,
            E.level == 2,
            E.decision != "",
            escalation_scope(actor),
        )
        .order_by(E.closed_at.desc(), E.id.desc())
        .limit(DECISIONS_SHOWN)
    ).all()
    decisions = [
        Decision(
            r.id,
            f"C-{r.received_at.astimezone(OFFICE_TZ).year}-{r.case_id:06d}" if r.case_id else None,
            REASONS[r.reason].label if r.reason in REASONS else r.reason,
            OUTCOMES.get(r.outcome, r.outcome),
            r.decision,
            r.closed_at,
        )
        for r in rows
    ]
    return by_reason, by_outcome, decisions


def _themes(actor: User, period: Period, previous: Period) -> list[ThemeRow]:
    S = SurgeAlert  # noqa: N806
    current = and_(S.week_end >= period.start, S.week_end <= period.end)
    before = and_(S.week_end >= previous.start, S.week_end <= previous.end)
    rows = db.session.execute(
        select(
            S.key,
            func.max(S.label),
            func.sum(case((current, 1), else_=0)),
            func.sum(case((before, 1), else_=0)),
            func.sum(case((current, S.observed), else_=0)),
        )
        .where(or_(current, before))
        .group_by(S.key)
        .having(func.sum(case((current, 1), else_=0)) > 0)
        .order_by(func.sum(case((current, S.observed), else_=0)).desc(), S.key)
        .limit(THEMES_SHOWN)
    ).all()
    keys = [r[0] for r in rows]
    outcomes: dict[str, dict[str, int]] = defaultdict(dict)
    if keys:
        outcome = func.coalesce(Escalation.outcome, literal("open"))
        for key, code, n in db.session.execute(
            select(S.key, outcome, func.count())
            .join(Escalation, Escalation.surge_alert_id == S.id)
            .where(S.key.in_(keys), current, escalation_scope(actor))
            .group_by(S.key, outcome)
        ):
            outcomes[key][code] = int(n)
    actions: dict[str, list[ReviewAction]] = defaultdict(list)
    if keys:
        for key, action in db.session.execute(
            select(S.key, ReviewAction)
            .join(ReviewAction, ReviewAction.surge_alert_id == S.id)
            .where(S.key.in_(keys))
            .order_by(ReviewAction.id)
        ):
            actions[key].append(action)
    return [
        ThemeRow(
            key,
            label,
            int(weeks),
            int(weeks_before),
            int(observed or 0),
            outcomes[key],
            actions[key],
        )
        for key, label, weeks, weeks_before, observed in rows
    ]


def _tag_counts(actor: User, window: Period) -> tuple[dict[int, int], dict[int, int]]:
    """The complaints of `window` per tag and per category (a complaint once per category,
    however many of its tags are in it): two GROUP BYs over the window's tagged complaints."""
    where = (
        Case.received_at >= window.starts_at,
        Case.received_at < window.ends_at,
        Case.kind == "complaint",
        case_scope(actor),
    )
    tagged = (
        select(CaseTag.tag_id, func.count())
        .join(Case, Case.id == CaseTag.case_id)
        .where(CaseTag.state == "accepted", *where)
        .group_by(CaseTag.tag_id)
    )
    by_tag = {tag_id: int(n) for tag_id, n in db.session.execute(tagged)}
    category = func.coalesce(Tag.parent_id, Tag.id)
    distinct = (
        select(category.label("category"), Case.id.label("case_id"))
        .select_from(Case)
        .join(CaseTag, and_(CaseTag.case_id == Case.id, CaseTag.state == "accepted"))
        .join(Tag, Tag.id == CaseTag.tag_id)
        .where(*where)
        .distinct()
        .subquery()
    )
    by_category = {
        tag_id: int(n)
        for tag_id, n in db.session.execute(
            select(distinct.c.category, func.count()).group_by(distinct.c.category)
        )
    }
    return by_tag, by_category


def _alert_count(actor: User, alert: SurgeAlert, window: Period) -> int:
    """The complaints of `window` with the surge's problem (its tag, or its phrase in the
    subject or the customer's words) and, when it names one, its product."""
    query = select(func.count(func.distinct(Case.id))).where(
        Case.received_at >= window.starts_at,
        Case.received_at < window.ends_at,
        Case.kind == "complaint",
        case_scope(actor),
    )
    if alert.problem_kind == "tag":
        query = (
            query.join(CaseTag, and_(CaseTag.case_id == Case.id, CaseTag.state == "accepted"))
            .join(Tag, Tag.id == CaseTag.tag_id)
            .where(Tag.code == alert.problem)
        )
    else:
        query = query.where(
            or_(
                Case.subject.contains(alert.problem, autoescape=True),
                Case.customer_words.contains(alert.problem, autoescape=True),
            )
        )
    if alert.product:
        query = query.where(Case.product.contains(alert.product, autoescape=True))
    return int(db.session.scalar(query) or 0)


def _effects(actor: User, period: Period, today) -> list[Effect]:
    """The actions of held reviews of earlier periods, with the complaints of their category
    (a category: its tags' complaints; a tag: its own) or of their surge's problem, in that
    review's period and in this one. One pair of GROUP BYs per period looked at, one count
    per surge-linked action and period."""
    earlier = db.session.execute(
        select(ReviewAction, ManagementReview)
        .join(ManagementReview, ManagementReview.id == ReviewAction.review_id)
        .where(ManagementReview.status == "held", ManagementReview.period_end < period.start)
        .order_by(ManagementReview.period_start.desc(), ReviewAction.id)
    ).all()
    counted: dict[Period, tuple[dict[int, int], dict[int, int]]] = {}

    def count(action: ReviewAction, window: Period) -> int | None:
        if action.surge_alert is not None:
            return _alert_count(actor, action.surge_alert, window)
        if action.tag is None:
            return None
        key = Period("custom", window.start, window.end)
        if key not in counted:
            counted[key] = _tag_counts(actor, window)
        by_tag, by_category = counted[key]
        if action.tag.parent_id is None:
            return by_category.get(action.tag_id, 0)
        return by_tag.get(action.tag_id, 0)

    effects = []
    for action, review in earlier:
        then = of_review(review)
        effects.append(
            Effect(
                action,
                review,
                then,
                count(action, then),
                count(action, period),
                then.days_until(today),
                period.days_until(today),
            )
        )
    return effects


def review_pack(
    actor: User, period: Period, *, locale: str = "ja", now: datetime | None = None
) -> Pack:
    """Every figure of the pack for `period` beside the period before, as `actor` may see
    them. Reads only."""
    now = now or utcnow()
    previous = period.previous()
    kinds, channels, categories = _received(actor, period, previous)
    satisfaction, by_channel = _satisfaction(period, previous)
    by_reason, by_outcome, decisions = _escalations(actor, period, previous)
    return Pack(
        period=period,
        previous=previous,
        computed_at=now,
        by_kind=_rows(kinds, KINDS),
        by_channel=_rows(channels, CHANNELS),
        by_category=_category_rows(categories, locale),
        clocks=_clocks(actor, period, previous, now),
        targets=_targets(),
        satisfaction=satisfaction,
        satisfaction_by_channel=by_channel,
        escalations_by_reason=by_reason,
        escalations_by_outcome=by_outcome,
        decisions=decisions,
        themes=_themes(actor, period, previous),
        effects=_effects(actor, period, now.astimezone(OFFICE_TZ).date()),
    )
