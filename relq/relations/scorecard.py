"""A department's 関係品質 scorecard: three sides as weekly trends.

- The customer side: cases routed to it (by the week they came in), its acknowledgement
  deadlines met on time (relq/deadlines/attainment, the same numbers as the 期限 page),
  complaints among its cases, compliments passed on to it, escalations raised on it; the
  customers' satisfaction surveys after closing (relq/csat: answers and the 4-5 share, by the
  week the survey was sent).
- The internal-customer side, as provider (handoffs asked of it: the ratings it received, its
  median turnaround, the share of its answers sent back, the thank-yous) and as requester
  (handoffs it asked: the ratings it gave, how often it had to send an answer back).
- The employee side (eNPS, issue 16): the department's eNPS in the latest closed survey rounds,
  with its change against its own previous round and its gap to the company's, every figure
  from the anonymity gate (relq/enps/gate.py): a group too small to show stays "not shown",
  and no change is computed from a hidden score.

Weeks are those of the 期限 page: this ISO week and the ones before it, Asia/Tokyo. Handoffs
count in the week they were asked. Case counts go through the viewer's case scope. Each side is
one or two GROUP BY queries on indexed columns; nothing is loaded row by row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from relq.access import case_scope
from relq.cases.models import Case
from relq.csat.results import weekly as csat_weekly
from relq.db import db, utcnow
from relq.deadlines.attainment import Week, attainment
from relq.enps.models import SurveyRound
from relq.escalations.models import Escalation
from relq.handoffs.models import Handoff
from relq.org.models import Department, User
from relq.relations.services import _utc, medians
from relq.thanks.models import Compliment

WEEKS = 8
EMPLOYEE_ROUNDS = 4  # the latest closed survey rounds on the employee side
CUSTOMER, PROVIDER, REQUESTER = "customer", "provider", "requester"
# (side, code): how each series is shown — "count", "share" (0..1), "rating" (1..5), "minutes".
SERIES: dict[tuple[str, str], str] = {
    (CUSTOMER, "routed"): "count",
    (CUSTOMER, "acknowledged_on_time"): "share",
    (CUSTOMER, "complaints"): "count",
    (CUSTOMER, "compliments"): "count",
    (CUSTOMER, "escalations"): "count",
    (CUSTOMER, "csat_responses"): "count",
    (CUSTOMER, "csat_share"): "share",
    (PROVIDER, "asked_of"): "count",
    (PROVIDER, "usefulness_received"): "rating",
    (PROVIDER, "speed_received"): "rating",
    (PROVIDER, "median_turnaround"): "minutes",
    (PROVIDER, "sent_back"): "share",
    (PROVIDER, "thanks_received"): "count",
    (REQUESTER, "asked"): "count",
    (REQUESTER, "usefulness_given"): "rating",
    (REQUESTER, "speed_given"): "rating",
    (REQUESTER, "had_to_send_back"): "share",
}
SIDE_LABELS = {
    CUSTOMER: _l("The customer side"),
    PROVIDER: _l("As provider: what other departments asked of it"),
    REQUESTER: _l("As requester: what it asked of other departments"),
}
SERIES_LABELS = {
    "routed": _l("Cases routed to it"),
    "acknowledged_on_time": _l("Acknowledged on time"),
    "complaints": _l("Complaints"),
    "compliments": _l("Compliments passed on to it"),
    "escalations": _l("Escalations"),
    "csat_responses": _l("Satisfaction survey answers"),
    "csat_share": _l("Customers satisfied (CSAT, 4-5)"),
    "asked_of": _l("Handoffs asked of it"),
    "usefulness_received": _l("Usefulness received (1-5)"),
    "speed_received": _l("Speed received (1-5)"),
    "median_turnaround": _l("Median turnaround"),
    "sent_back": _l("Answers sent back"),
    "thanks_received": _l("Thank-yous received"),
    "asked": _l("Handoffs it asked"),
    "usefulness_given": _l("Usefulness it gave (1-5)"),
    "speed_given": _l("Speed it gave (1-5)"),
    "had_to_send_back": _l("Answers it had to send back"),
}


@dataclass(frozen=True)
class EmployeeRound:
    """The department's eNPS in one closed round, as the gate lets it be shown."""

    survey_round: SurveyRound
    score: object  # gate.Score | gate.Suppressed
    company: object  # gate.Score | gate.Suppressed
    change: float | None  # against the department's previous round (both shown)

    @property
    def against_company(self) -> float | None:
        if getattr(self.score, "shown", False) and getattr(self.company, "shown", False):
            return self.score.enps - self.company.enps
        return None


@dataclass
class Scorecard:
    department: Department
    weeks: list[Week]
    # (side, code) -> one value per week (None: nothing to measure that week).
    series: dict[tuple[str, str], list[float | None]] = field(default_factory=dict)
    # The employee side: the latest closed rounds, oldest first.
    employee: list[EmployeeRound] = field(default_factory=list)

    def employee_chart(self):
        """The department's and the company's eNPS per round (a hidden score: no bar)."""
        from flask_babel import gettext as _

        from relq import charts

        def shown(score) -> float | None:
            return round(score.enps, 1) if getattr(score, "shown", False) else None

        return charts.bar(
            [r.survey_round.name for r in self.employee],
            {
                _("This department"): [shown(r.score) for r in self.employee],
                _("Company"): [shown(r.company) for r in self.employee],
            },
            title=_("eNPS per survey round"),
            value_format="{:+.0f}",
            reference=0,
        )

    def side(self, side: str) -> list[tuple[str, str, list[float | None]]]:
        """(code, kind, values) of one side, in SERIES order."""
        return [
            (code, kind, self.series[(s, code)]) for (s, code), kind in SERIES.items() if s == side
        ]


def _week_of(column, bounds: list[datetime]):
    """The index of the week `column` falls in (callers keep it within the bounds)."""
    return case(*[(column >= bounds[i], i) for i in range(len(bounds) - 2, 0, -1)], else_=0)


def _weekly_counts(query, bounds) -> list[int]:
    sub = query.subquery()
    counts = [0] * (len(bounds) - 1)
    for week, n in db.session.execute(select(sub.c.week, func.count()).group_by(sub.c.week)):
        counts[int(week)] = n
    return counts


def employee_side(department: Department, rounds: int = EMPLOYEE_ROUNDS) -> list[EmployeeRound]:
    """The department's eNPS in the latest `rounds` closed rounds (oldest first), the company's
    beside it, and the change against its previous closed round: all through the gate."""
    from relq.enps import gate

    latest = list(
        db.session.scalars(
            select(SurveyRound)
            .where(SurveyRound.status == "closed")
            .order_by(SurveyRound.period_start.desc(), SurveyRound.id.desc())
            .limit(rounds + 1)
        )
    )[::-1]
    scores = [gate.score(gate.Group(r.id, department.id)) for r in latest]
    out = []
    for i, survey_round in enumerate(latest):
        if i == 0 and len(latest) > rounds:
            continue  # only there for the change of the next one
        before = scores[i - 1] if i > 0 else None
        change = (
            scores[i].enps - before.enps
            if getattr(before, "shown", False) and getattr(scores[i], "shown", False)
            else None
        )
        out.append(
            EmployeeRound(
                survey_round=survey_round,
                score=scores[i],
                company=gate.score(gate.Group(survey_round.id)),
                change=change,
            )
        )
    return out


def _csat_share(rows: list, monday) -> float | None:
    """The 4-5 share (0..1) of a week's answers over every channel, None without answers."""
    week = [r for r in rows if r.week_start == monday]
    answers = sum(r.responses for r in week)
    if not answers:
        return None
    return sum(r.csat_share * r.responses for r in week if r.responses) / 100.0 / answers


def scorecard(
    user: User, department: Department, *, now: datetime | None = None, weeks: int = WEEKS
) -> Scorecard:
    """The scorecard of `department` as `user` may see it (callers check
    access.can_read_scorecard)."""
    now = now or utcnow()
    report = attainment(user, department_id=department.id, now=now, weeks=weeks)
    mondays = [w.monday for w in report.weeks]
    bounds = [_utc(d) for d in [*mondays, mondays[-1] + timedelta(weeks=1)]]
    card = Scorecard(department=department, weeks=report.weeks)
    n = len(report.weeks)

    # ---- the customer side
    routed = (
        select(_week_of(Case.received_at, bounds).label("week"), Case.kind)
        .where(
            case_scope(user),
            Case.responsible_department_id == department.id,
            Case.received_at >= bounds[0],
            Case.received_at < bounds[-1],
        )
        .subquery()
    )
    routed_counts, complaint_counts = [0] * n, [0] * n
    for week, kind, count in db.session.execute(
        select(routed.c.week, routed.c.kind, func.count()).group_by(routed.c.week, routed.c.kind)
    ):
        routed_counts[int(week)] += count
        if kind == "complaint":
            complaint_counts[int(week)] += count
    card.series[(CUSTOMER, "routed")] = routed_counts
    mine = next((d for d in report.departments if d.department.id == department.id), None)
    card.series[(CUSTOMER, "acknowledged_on_time")] = [
        mine.cell("acknowledge", i).rate if mine else None for i in range(n)
    ]
    card.series[(CUSTOMER, "complaints")] = complaint_counts
    card.series[(CUSTOMER, "compliments")] = _weekly_counts(
        select(_week_of(Compliment.shared_at, bounds).label("week")).where(
            Compliment.department_id == department.id,
            Compliment.shared_at >= bounds[0],
            Compliment.shared_at < bounds[-1],
        ),
        bounds,
    )
    card.series[(CUSTOMER, "escalations")] = _weekly_counts(
        select(_week_of(Escalation.opened_at, bounds).label("week")).where(
            Escalation.department_id == department.id,
            Escalation.opened_at >= bounds[0],
            Escalation.opened_at < bounds[-1],
        ),
        bounds,
    )

    # The customers' satisfaction surveys (relq/csat), through the same case scope.
    csat = csat_weekly(user, mondays[0], mondays[-1], department_id=department.id)
    card.series[(CUSTOMER, "csat_responses")] = [
        sum(r.responses for r in csat if r.week_start == m) for m in mondays
    ]
    card.series[(CUSTOMER, "csat_share")] = [_csat_share(csat, m) for m in mondays]

    # ---- the internal-customer side, as provider and as requester
    for side, column in (
        (PROVIDER, Handoff.provider_department_id),
        (REQUESTER, Handoff.requester_department_id),
    ):
        source = select(
            _week_of(Handoff.requested_at, bounds).label("week"),
            Handoff.usefulness,
            Handoff.speed,
            Handoff.first_answered_at,
            Handoff.bounces,
            Handoff.thanks,
            Handoff.turnaround_minutes,
        ).where(
            column == department.id,
            Handoff.requested_at >= bounds[0],
            Handoff.requested_at < bounds[-1],
        )
        sub = source.subquery()
        totals = {
            int(week): (asked, useful, speed, answered, bounced, thanked)
            for week, asked, useful, speed, answered, bounced, thanked in db.session.execute(
                select(
                    sub.c.week,
                    func.count(),
                    func.avg(sub.c.usefulness),
                    func.avg(sub.c.speed),
                    func.count(sub.c.first_answered_at),
                    func.count().filter(sub.c.bounces > 0),
                    func.count().filter(sub.c.thanks != ""),
                ).group_by(sub.c.week)
            )
        }

        def column_of(index: int, totals=totals) -> list[float | None]:
            return [
                float(totals[i][index]) if i in totals and totals[i][index] is not None else None
                for i in range(n)
            ]

        counts = [totals[i][0] if i in totals else 0 for i in range(n)]
        sent_back = [
            totals[i][4] / totals[i][3] if i in totals and totals[i][3] else None for i in range(n)
        ]
        if side == PROVIDER:
            turnaround = medians(source, ("week",), "turnaround_minutes")
            card.series[(PROVIDER, "asked_of")] = counts
            card.series[(PROVIDER, "usefulness_received")] = column_of(1)
            card.series[(PROVIDER, "speed_received")] = column_of(2)
            card.series[(PROVIDER, "median_turnaround")] = [turnaround.get((i,)) for i in range(n)]
            card.series[(PROVIDER, "sent_back")] = sent_back
            card.series[(PROVIDER, "thanks_received")] = [
                totals[i][5] if i in totals else 0 for i in range(n)
            ]
        else:
            card.series[(REQUESTER, "asked")] = counts
            card.series[(REQUESTER, "usefulness_given")] = column_of(1)
            card.series[(REQUESTER, "speed_given")] = column_of(2)
            card.series[(REQUESTER, "had_to_send_back")] = sent_back

    # ---- the employee side (callers' readers, the department's lead and executives, are
    # those who read its survey results)
    card.employee = employee_side(department)
    return card
