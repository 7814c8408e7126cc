"""CSAT results as data: per department (responsible when the case closed), channel and week.

Counted over the surveys sent (state sent or answered, expired or not): `sent` of them,
`responses` answered, their mean score (1-5) and the CSAT share, the percentage of answers of
4 or 5. `satisfaction` is the unscoped figure for callers that decide who reads it themselves
(the ISO 10002 management review); the pages call `weekly` and `comments`, which count only the
cases the viewer may open (relq.access.case_scope, the one door).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, and_, case, func, select, text

from relq.access import case_scope
from relq.cases.models import OFFICE_TZ, Case
from relq.csat.models import SATISFIED_FROM, CsatSurvey
from relq.db import db
from relq.org.models import User


@dataclass(frozen=True)
class SatisfactionRow:
    department_id: int | None
    channel: str
    responses: int
    sent: int
    mean: float | None  # mean score of the answers, 1-5; None without answers
    csat_share: float | None  # percentage (0-100) of answers of 4 or 5; None without answers

    @property
    def response_rate(self) -> float | None:
        """Percentage (0-100) of the surveys sent that were answered."""
        return 100.0 * self.responses / self.sent if self.sent else None


@dataclass(frozen=True)
class WeeklyRow(SatisfactionRow):
    week_start: date | None = None  # the Monday (Asia/Tokyo) of the week the surveys went out


def figure_columns():
    answered = CsatSurvey.state == "answered"
    return (
        func.count().label("sent"),
        func.sum(case((answered, 1), else_=0)).label("responses"),
        func.sum(case((answered, CsatSurvey.score), else_=0)).label("score_sum"),
        func.sum(case((and_(answered, CsatSurvey.score >= SATISFIED_FROM), 1), else_=0)).label(
            "satisfied"
        ),
    )


def row_of(cls, row, **extra) -> SatisfactionRow:
    responses = int(row.responses or 0)
    return cls(
        department_id=row.department_id,
        channel=row.channel,
        responses=responses,
        sent=int(row.sent),
        mean=(int(row.score_sum) / responses) if responses else None,
        csat_share=(100.0 * int(row.satisfied) / responses) if responses else None,
        **extra,
    )


def satisfaction(start: datetime, end: datetime, *, department_ids=None) -> list[SatisfactionRow]:
    """The surveys sent in [start, end) (aware datetimes), per department and channel, ordered
    by department then channel; only `department_ids` when given. Unscoped: the caller decides
    who may read it. Reads only."""
    query = (
        select(CsatSurvey.department_id, CsatSurvey.channel, *figure_columns())
        # Only sent surveys have a sending time (the sent_has_link constraint).
        .where(CsatSurvey.sent_at >= start, CsatSurvey.sent_at < end)
        .group_by(CsatSurvey.department_id, CsatSurvey.channel)
    )
    if department_ids is not None:
        query = query.where(CsatSurvey.department_id.in_(list(department_ids)))
    rows = [row_of(SatisfactionRow, r) for r in db.session.execute(query)]
    return sorted(rows, key=lambda r: (r.department_id or 0, r.channel))


def monday_of(moment: datetime) -> date:
    """The Monday of `moment`'s week in Tokyo."""
    day = moment.astimezone(OFFICE_TZ).date()
    return day - timedelta(days=day.weekday())


def week_bounds(monday: date) -> tuple[datetime, datetime]:
    start = datetime.combine(monday, time.min, tzinfo=OFFICE_TZ).astimezone(UTC)
    return start, start + timedelta(weeks=1)


def _scoped(query: Select, user: User) -> Select:
    """Only the surveys of cases `user` may open (the cases' one door). A semi-join on the
    survey's case id, which the results' index holds: the survey rows are read from the index
    and checked against the set of cases in scope."""
    if user.is_active and user.role in ("executive", "admin"):
        return query
    return query.where(CsatSurvey.case_id.in_(select(Case.id).where(case_scope(user))))


# The comments' partial index (relq/csat/models.py) is used only when the query says its
# condition in the same words, without bound parameters (SQLite).
COMMENTED = text("csat_surveys.state = 'answered' AND csat_surveys.comment <> ''")


def weekly(
    user: User,
    first_week: date,
    last_week: date,
    *,
    department_id: int | None = None,
    channel: str | None = None,
) -> list[WeeklyRow]:
    """Per week (Mondays from `first_week` to `last_week`), department and channel: the
    surveys of the cases `user` may open, optionally of one department or channel. Reads."""
    query = (
        select(
            CsatSurvey.week_start, CsatSurvey.department_id, CsatSurvey.channel, *figure_columns()
        )
        # Only sent surveys have a week (the sent_has_link constraint): no condition on the
        # state, which would cost PostgreSQL the index's order.
        .where(CsatSurvey.week_start >= first_week, CsatSurvey.week_start <= last_week)
        .group_by(CsatSurvey.week_start, CsatSurvey.department_id, CsatSurvey.channel)
    )
    if department_id is not None:
        query = query.where(CsatSurvey.department_id == department_id)
    if channel is not None:
        query = query.where(CsatSurvey.channel == channel)
    rows = [
        row_of(WeeklyRow, r, week_start=_as_date(r.week_start))
        for r in db.session.execute(_scoped(query, user))
    ]
    return sorted(rows, key=lambda r: (r.week_start, r.department_id or 0, r.channel))


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def combine(rows: list[SatisfactionRow], **extra) -> SatisfactionRow:
    """Several rows' figures as one (a week's total, a department's over the weeks)."""
    sent = sum(r.sent for r in rows)
    responses = sum(r.responses for r in rows)
    score_sum = sum((r.mean or 0) * r.responses for r in rows)
    satisfied = sum((r.csat_share or 0) * r.responses / 100.0 for r in rows)
    return SatisfactionRow(
        department_id=extra.get("department_id"),
        channel=extra.get("channel", ""),
        responses=responses,
        sent=sent,
        mean=score_sum / responses if responses else None,
        csat_share=100.0 * satisfied / responses if responses else None,
    )


@dataclass(frozen=True)
class Comment:
    case_id: int
    case_ref: str
    department_id: int | None
    channel: str
    score: int
    comment: str
    answered_at: datetime


def _case_ref(case_id: int, received_at: datetime) -> str:
    """Case.ref without loading the case: C-<the Japanese year it came in>-<id>."""
    return f"C-{received_at.astimezone(OFFICE_TZ).year}-{case_id:06d}"


def comments(
    user: User,
    first_week: date,
    last_week: date,
    *,
    department_id: int | None = None,
    channel: str | None = None,
    limit: int = 50,
) -> list[Comment]:
    """The newest customers' comments answered in the period, on cases `user` may open (a
    comment is the customer's free text: it is read only by those who may read the case),
    walked newest first on the comments' partial index. Reads only."""
    query = (
        select(CsatSurvey, Case.received_at)
        .join(Case, Case.id == CsatSurvey.case_id)
        .where(
            COMMENTED,
            CsatSurvey.answered_at >= week_bounds(first_week)[0],
            CsatSurvey.answered_at < week_bounds(last_week)[1],
        )
        .order_by(CsatSurvey.answered_at.desc(), CsatSurvey.id.desc())
        .limit(limit)
        # SQLite would otherwise start from the cases in a lead's scope and sort all their
        # comments; walking the newest comments first stops at the limit.
        .with_hint(CsatSurvey, "INDEXED BY ix_csat_surveys_commented_answered_at", "sqlite")
    )
    if not (user.is_active and user.role in ("executive", "admin")):
        query = query.where(case_scope(user))
    if department_id is not None:
        query = query.where(CsatSurvey.department_id == department_id)
    if channel is not None:
        query = query.where(CsatSurvey.channel == channel)
    return [
        Comment(
            case_id=s.case_id,
            case_ref=_case_ref(s.case_id, received_at),
            department_id=s.department_id,
            channel=s.channel,
            score=s.score,
            comment=s.comment,
            answered_at=s.answered_at,
        )
        for s, received_at in db.session.execute(query)
    ]


@dataclass(frozen=True)
class ResultsPage:
    weeks: list[date]  # Mondays, oldest first
    by_week: list[SatisfactionRow]  # one per week, all departments and channels together
    by_department: list[SatisfactionRow]  # per department and channel over the period
    total: SatisfactionRow
    comments: list[Comment]


def page(
    user: User,
    first_week: date,
    last_week: date,
    *,
    department_id: int | None = None,
    channel: str | None = None,
) -> ResultsPage:
    """What /csat/ shows, for the cases `user` may open: one query for the figures, one for
    the newest comments. Reads only."""
    rows = weekly(user, first_week, last_week, department_id=department_id, channel=channel)
    weeks = []
    monday = first_week
    while monday <= last_week:
        weeks.append(monday)
        monday += timedelta(weeks=1)
    per_week: dict[date, list[WeeklyRow]] = {}
    per_pair: dict[tuple[int, str], list[WeeklyRow]] = {}
    for r in rows:
        per_week.setdefault(r.week_start, []).append(r)
        per_pair.setdefault((r.department_id or 0, r.channel), []).append(r)
    by_week = [combine(per_week.get(w, [])) for w in weeks]
    by_department = [
        combine(found, department_id=pair[0] or None, channel=pair[1])
        for pair, found in sorted(per_pair.items())
    ]
    return ResultsPage(
        weeks=weeks,
        by_week=by_week,
        by_department=by_department,
        total=combine(rows),
        comments=comments(
            user, first_week, last_week, department_id=department_id, channel=channel
        ),
    )
