"""eNPS results as the pages, the CSV and the charts show them: a round's company and
department scores, the cross-tabs by job level and tenure within the reader's scope, the change
against the previous round and against the company, and the trend across rounds.

Every number comes from relq/enps/gate.py (one `gate.release` per round, one GROUP BY each);
this module only arranges what the gate lets through. Callers check relq/enps/access.py first.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from scipy.stats import spearmanr
from sqlalchemy import func, select

from relq.cases.export import BOM, neutralise
from relq.cases.models import Case
from relq.db import db
from relq.deadlines.calendar import OFFICE_TZ
from relq.enps import gate
from relq.enps.gate import DIMENSIONS, Group, Score, Suppressed
from relq.enps.models import SurveyBand, SurveyRound
from relq.errors import NotFound
from relq.org.models import Department
from relq.relations.scorecard import CUSTOMER, PROVIDER, REQUESTER, scorecard
from relq.security import MAX_ID

READABLE_STATUSES = ("open", "closed")


def readable_rounds() -> list[SurveyRound]:
    """Rounds whose results pages exist (open and closed; newest first)."""
    return list(
        db.session.scalars(
            select(SurveyRound)
            .where(SurveyRound.status.in_(READABLE_STATUSES))
            .order_by(SurveyRound.period_end.desc(), SurveyRound.id.desc())
        )
    )


def get_round_or_404(round_id: int) -> SurveyRound:
    """A round (a draft's page says it has not been opened; the gate shows nothing of it).
    Raises NotFound when there is no such round."""
    found = db.session.get(SurveyRound, round_id) if 0 < round_id <= MAX_ID else None
    if found is None:
        raise NotFound("enps_round")
    return found


def get_department_or_404(department_id: int) -> Department:
    found = db.session.get(Department, department_id) if 0 < department_id <= MAX_ID else None
    if found is None:
        raise NotFound("department")
    return found


def closed_rounds() -> list[SurveyRound]:
    """Closed rounds, oldest first (the trend's order)."""
    return list(
        db.session.scalars(
            select(SurveyRound)
            .where(SurveyRound.status == "closed")
            .order_by(SurveyRound.period_end, SurveyRound.id)
        )
    )


def previous_round(survey_round: SurveyRound) -> SurveyRound | None:
    """The closed round before this one (by period)."""
    return db.session.scalars(
        select(SurveyRound)
        .where(
            SurveyRound.status == "closed",
            SurveyRound.id != survey_round.id,
            (SurveyRound.period_end < survey_round.period_end)
            | (
                (SurveyRound.period_end == survey_round.period_end)
                & (SurveyRound.id < survey_round.id)
            ),
        )
        .order_by(SurveyRound.period_end.desc(), SurveyRound.id.desc())
        .limit(1)
    ).first()


def change(now: Score | Suppressed | None, before: Score | Suppressed | None) -> float | None:
    """The difference of two shown scores (points of eNPS); None unless both are shown."""
    if isinstance(now, Score) and isinstance(before, Score):
        return now.enps - before.enps
    return None


@dataclass
class Row:
    """One line of a table: a group's label, its score (or Suppressed), and its change."""

    label: str
    group: Group
    score: Score | Suppressed
    previous: Score | Suppressed | None = None
    department_id: int | None = None

    @property
    def change(self) -> float | None:
        return change(self.score, self.previous)


@dataclass
class RoundResults:
    round: SurveyRound
    department: Department | None  # the reader's scope: None is the whole company
    company: Score | Suppressed
    focus: Score | Suppressed  # the scope's score
    previous_round: SurveyRound | None
    focus_previous: Score | Suppressed | None
    answers_so_far: int | None  # an open round: its number of answers, no score
    departments: list[Row] = field(default_factory=list)
    cuts: dict[str, list[Row]] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.round.status == "open"

    @property
    def change_vs_previous(self) -> float | None:
        return change(self.focus, self.focus_previous)

    @property
    def gap_vs_company(self) -> float | None:
        if self.department is None:
            return None
        return change(self.focus, self.company)

    @property
    def threshold(self) -> int:
        return max(self.round.min_group, gate.MIN_GROUP_FLOOR)


def _names(ids, locale: str) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.scalars(select(Department).where(Department.id.in_(list(ids))))
    return {d.id: d.name_for(locale) for d in rows}


def _band_names(round_id: int, locale: str) -> dict[int, str]:
    rows = db.session.scalars(select(SurveyBand).where(SurveyBand.round_id == round_id))
    return {b.id: b.name_for(locale) for b in rows}


def round_results(
    survey_round: SurveyRound, department: Department | None, *, locale: str = "ja"
) -> RoundResults:
    """The round's results in one scope (None: the company, for executives and admins; a
    department: its own lead, executives and admins). Callers check access.can_read_results."""
    before = previous_round(survey_round)
    rel = gate.release(survey_round.id)
    # The previous round's department figures only: no band cut of it is shown.
    before_rel = (
        gate.release(before.id, bands=False, comments=False) if before is not None else None
    )
    dept_id = department.id if department is not None else None
    focus_group = Group(survey_round.id, dept_id)
    focus_before = before_rel.score(Group(before.id, dept_id)) if before_rel is not None else None
    out = RoundResults(
        round=survey_round,
        department=department,
        company=rel.score(Group(survey_round.id)),
        focus=rel.score(focus_group),
        previous_round=before,
        focus_previous=focus_before,
        answers_so_far=gate.answers_so_far(survey_round.id) if not rel.is_shown_status else None,
    )
    if department is None:
        scores = rel.department_scores()
        previous = before_rel.department_scores() if before_rel is not None else {}
        names = _names(set(scores), locale)
        out.departments = sorted(
            (
                Row(
                    names.get(d, "?"),
                    Group(survey_round.id, d),
                    s,
                    previous.get(d),
                    department_id=d,
                )
                for d, s in scores.items()
            ),
            key=lambda row: row.label,
        )
    bands = _band_names(survey_round.id, locale)
    for dimension in DIMENSIONS:
        rows = []
        for band_id, score in rel.band_scores(dimension, dept_id).items():
            field_name = "level_band_id" if dimension == "level" else "tenure_band_id"
            group = Group(survey_round.id, dept_id, **{field_name: band_id})
            rows.append(Row(bands.get(band_id, "?"), group, score))
        out.cuts[dimension] = rows
    return out


@dataclass
class TrendPoint:
    round: SurveyRound
    score: Score | Suppressed
    company: Score | Suppressed


def trend(department_id: int | None) -> list[TrendPoint]:
    """The scope's score in every closed round, oldest first (each round through the gate)."""
    points = []
    rounds = closed_rounds()
    found = gate.releases([r.id for r in rounds], bands=False, comments=False)
    for survey_round in rounds:
        rel = found[survey_round.id]
        points.append(
            TrendPoint(
                survey_round,
                rel.score(Group(survey_round.id, department_id)),
                rel.score(Group(survey_round.id)),
            )
        )
    return points


def shown_value(score: Score | Suppressed | None) -> float | None:
    return round(score.enps, 1) if isinstance(score, Score) else None


def results_csv(results: RoundResults, words: dict[str, str]) -> str:
    """The page's numbers as CSV (UTF-8 with BOM, CRLF): the same rows, the same gate.
    `words` holds the header and the labels in the reader's language."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            words["section"],
            words["group"],
            words["n"],
            "eNPS",
            words["promoters"],
            words["passives"],
            words["detractors"],
            *[str(i) for i in range(11)],
            words["change"],
        ]
    )

    def line(section: str, label: str, score, delta=None):
        if isinstance(score, Score):
            cells = [
                str(score.n),
                f"{score.enps:.1f}",
                f"{score.promoter_share:.1f}",
                f"{score.passive_share:.1f}",
                f"{score.detractor_share:.1f}",
                *[str(v) for v in score.distribution],
                "" if delta is None else f"{delta:+.1f}",
            ]
        else:
            cells = [words["suppressed"], *[""] * 15]
        writer.writerow([neutralise(section), neutralise(label), *cells])

    scope_label = (
        results.department.name_for(words["locale"])
        if results.department is not None
        else words["company"]
    )
    line(words["scope"], scope_label, results.focus, results.change_vs_previous)
    if results.department is not None:
        line(words["company_section"], words["company"], results.company)
    for row in results.departments:
        line(words["departments"], row.label, row.score, row.change)
    for dimension, rows in results.cuts.items():
        for row in rows:
            line(words[dimension], row.label, row.score)
    return buffer.getvalue()


# ---- CX x EX: eNPS beside the department's customer and internal-customer record ---------

# code -> (label, how it is shown: "count", "rate" (per week), "share" (0..1), "rating").
CX_METRICS = {
    "cases_per_week": "rate",
    "complaints": "count",
    "compliments": "count",
    "complaint_share": "share",
    "acknowledged_on_time": "share",
    "escalations": "count",
    "harassment": "count",
    "usefulness_received": "rating",
    "usefulness_given": "rating",
    "sent_back": "share",
    "had_to_send_back": "share",
}
MAX_CX_WEEKS = 26
POOLED_ROUNDS = 8


@dataclass
class CxExRow:
    department: Department
    score: Score | Suppressed
    metrics: dict[str, float | None]


def _weighted(values, weights) -> float | None:
    pairs = [(v, w) for v, w in zip(values, weights, strict=True) if v is not None and w]
    total = sum(w for _v, w in pairs)
    return sum(v * w for v, w in pairs) / total if total else None


def _mean(values) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def round_weeks(survey_round: SurveyRound) -> tuple[datetime, int]:
    """The moment the round's last week ends (office time) and its number of ISO weeks: the
    window of the scorecard that stands beside the round's eNPS."""
    start, end = survey_round.period_start, survey_round.period_end
    first_monday = start - timedelta(days=start.weekday())
    last_monday = end - timedelta(days=end.weekday())
    weeks = min((last_monday - first_monday).days // 7 + 1, MAX_CX_WEEKS)
    moment = datetime.combine(end, time(12), tzinfo=OFFICE_TZ)
    return moment, weeks


def customer_record(user, department: Department, survey_round: SurveyRound) -> dict:
    """The department's customer and internal-customer record over the round's weeks, from
    its 関係品質 scorecard (relq/relations/scorecard.py) and its harassment reports, as `user`
    may see them."""
    from relq.harassment.models import HarassmentReport
    from relq.harassment.services import readable_reports

    now, weeks = round_weeks(survey_round)
    card = scorecard(user, department, now=now, weeks=weeks)
    s = card.series
    complaints = sum(v or 0 for v in s[(CUSTOMER, "complaints")])
    compliments = sum(v or 0 for v in s[(CUSTOMER, "compliments")])
    start = datetime.combine(card.weeks[0].monday, time(0), tzinfo=OFFICE_TZ)
    end = datetime.combine(card.weeks[-1].monday + timedelta(weeks=1), time(0), tzinfo=OFFICE_TZ)
    harassment = db.session.scalar(
        readable_reports(user)
        .with_only_columns(func.count())
        .where(
            Case.responsible_department_id == department.id,
            HarassmentReport.flagged_at >= start,
            HarassmentReport.flagged_at < end,
        )
    )
    asked_of, asked = s[(PROVIDER, "asked_of")], s[(REQUESTER, "asked")]
    return {
        "cases_per_week": _mean(s[(CUSTOMER, "routed")]),
        "complaints": float(complaints),
        "compliments": float(compliments),
        "complaint_share": complaints / (complaints + compliments)
        if complaints + compliments
        else None,
        "acknowledged_on_time": _mean(s[(CUSTOMER, "acknowledged_on_time")]),
        "escalations": float(sum(v or 0 for v in s[(CUSTOMER, "escalations")])),
        "harassment": float(harassment or 0),
        "usefulness_received": _weighted(s[(PROVIDER, "usefulness_received")], asked_of),
        "usefulness_given": _weighted(s[(REQUESTER, "usefulness_given")], asked),
        "sent_back": _weighted(s[(PROVIDER, "sent_back")], asked_of),
        "had_to_send_back": _weighted(s[(REQUESTER, "had_to_send_back")], asked),
    }


def cx_ex_rows(user, survey_round: SurveyRound, *, locale: str = "ja") -> list[CxExRow]:
    """Every active department (and any with answers): its eNPS through the gate beside its
    customer record over the round's weeks. Callers check access.can_read_cx_ex."""
    scores = gate.department_scores(survey_round.id)
    departments = db.session.scalars(
        select(Department).where(Department.is_active.is_(True) | Department.id.in_(list(scores)))
    ).all()
    rel_threshold = max(survey_round.min_group, gate.MIN_GROUP_FLOOR)
    return sorted(
        (
            CxExRow(
                d,
                scores.get(d.id, Suppressed(gate.SMALL, rel_threshold)),
                customer_record(user, d, survey_round),
            )
            for d in departments
        ),
        key=lambda row: row.department.name_for(locale),
    )


@dataclass(frozen=True)
class Correlation:
    n: int  # points (department x round) with both an eNPS shown and the metric
    rho: float | None
    low: float | None
    high: float | None


MIN_POINTS = 4


def correlation(points: list[tuple[float, float]]) -> Correlation:
    """Spearman's rho between eNPS and a metric over the shown points, with n and a 95 %
    interval (relq/enps/drivers.py: Fisher's z, Bonett-Wright's standard error)."""
    from relq.enps.drivers import confidence_interval

    n = len(points)
    xs = [x for x, _y in points]
    ys = [y for _x, y in points]
    if n < MIN_POINTS or len(set(xs)) < 2 or len(set(ys)) < 2:
        return Correlation(n, None, None, None)
    rho = float(spearmanr(xs, ys).statistic)
    if math.isnan(rho):
        return Correlation(n, None, None, None)
    low, high = confidence_interval(rho, n)
    return Correlation(n, rho, low, high)


def points(rows: list[CxExRow], metric: str, locale: str = "ja") -> list[tuple[float, float, str]]:
    """(eNPS, metric, department) of the departments the gate shows (a suppressed department
    is not a point)."""
    return [
        (row.score.enps, row.metrics[metric], row.department.name_for(locale))
        for row in rows
        if isinstance(row.score, Score) and row.metrics.get(metric) is not None
    ]


def pooled_points(user, survey_round: SurveyRound, metric: str) -> list[tuple[float, float]]:
    """The shown (eNPS, metric) points of this round and the closed rounds before it (up to
    POOLED_ROUNDS rounds): the correlation over rounds."""
    rounds = [r for r in closed_rounds() if r.period_end <= survey_round.period_end]
    if survey_round not in rounds:
        rounds.append(survey_round)
    out = []
    for r in rounds[-POOLED_ROUNDS:]:
        out += [(x, y) for x, y, _label in points(cx_ex_rows(user, r), metric)]
    return out
