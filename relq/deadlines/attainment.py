"""Deadline attainment: the share of each department's clocks that were met on time, per
week and kind, for the 期限 page. Reads only; scoped by the viewer."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, select

from relq.access import case_scope
from relq.cases.models import Case
from relq.db import db, utcnow
from relq.deadlines.calendar import OFFICE_TZ
from relq.deadlines.models import DEADLINE_KINDS, CaseDeadline
from relq.org.models import Department, User

# The share on time the attainment chart draws its line at (a common service-level target).
ATTAINMENT_TARGET = 0.9


@dataclass
class Tally:
    on_time: int = 0
    late: int = 0
    missed: int = 0

    @property
    def counted(self) -> int:
        return self.on_time + self.late + self.missed

    @property
    def rate(self) -> float | None:
        return self.on_time / self.counted if self.counted else None

    def add(self, other: Tally) -> None:
        self.on_time += other.on_time
        self.late += other.late
        self.missed += other.missed


@dataclass(frozen=True)
class Week:
    monday: date

    @property
    def label(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass
class DepartmentAttainment:
    department: Department
    # (kind, week index) -> tally; kinds and weeks with no clock are absent.
    cells: dict[tuple[str, int], Tally] = field(default_factory=dict)

    def cell(self, kind: str, week: int) -> Tally:
        return self.cells.get((kind, week), Tally())

    def week_total(self, week: int) -> Tally:
        total = Tally()
        for kind in DEADLINE_KINDS:
            total.add(self.cell(kind, week))
        return total

    def kind_total(self, kind: str, weeks: int) -> Tally:
        total = Tally()
        for week in range(weeks):
            total.add(self.cell(kind, week))
        return total

    def total(self) -> Tally:
        total = Tally()
        for tally in self.cells.values():
            total.add(tally)
        return total


@dataclass
class Attainment:
    weeks: list[Week]
    departments: list[DepartmentAttainment]


def attainment(
    user: User, *, department_id: int | None = None, now: datetime | None = None, weeks: int = 8
) -> Attainment:
    """Per department, ISO week (Asia/Tokyo; this week and the `weeks - 1` before) and kind:
    how many of the clocks due that week were met on time, met late, or missed and still
    open. A clock counts for its department, the first response for the department that took
    the case in. Leads see their own department only; cancelled and paused clocks, clocks not
    yet due and cases flagged as customer harassment are left out. One aggregated query."""
    from relq.harassment.models import HarassmentReport

    now = now or utcnow()
    today = now.astimezone(OFFICE_TZ).date()
    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    bounds = [
        datetime.combine(d, time.min, tzinfo=OFFICE_TZ).astimezone(UTC)
        for d in [*mondays, this_monday + timedelta(weeks=1)]
    ]
    if user.role == "lead":
        department_id = user.department_id
    D = CaseDeadline  # noqa: N806
    department = func.coalesce(D.department_id, Case.intake_department_id)
    week = case(*[(D.due_at >= bounds[i], i) for i in range(weeks - 1, 0, -1)], else_=0)
    counted = (
        select(
            department.label("department_id"),
            D.kind.label("kind"),
            week.label("week"),
            case((D.met_at <= D.due_at, 1), else_=0).label("on_time"),
            case((D.met_at > D.due_at, 1), else_=0).label("late"),
            case(
                (and_(D.met_at.is_(None), D.paused_at.is_(None), D.due_at <= now), 1), else_=0
            ).label("missed"),
        )
        .join(Case, Case.id == D.case_id)
        .where(
            D.cancelled_at.is_(None),
            D.due_at >= bounds[0],
            D.due_at < bounds[-1],
            case_scope(user),
            ~select(HarassmentReport.id).where(HarassmentReport.case_id == D.case_id).exists(),
        )
    )
    if department_id:
        counted = counted.where(department == department_id)
    # Grouped outside: PostgreSQL does not see two copies of a CASE with bound parameters as
    # the same expression, so the week is computed once in the subquery.
    sub = counted.subquery()
    rows = db.session.execute(
        select(
            sub.c.department_id,
            sub.c.kind,
            sub.c.week,
            func.sum(sub.c.on_time),
            func.sum(sub.c.late),
            func.sum(sub.c.missed),
        ).group_by(sub.c.department_id, sub.c.kind, sub.c.week)
    ).all()
    by_department: dict[int, dict[tuple[str, int], Tally]] = defaultdict(dict)
    for dept_id, kind, week_index, on_time, late, missed in rows:
        tally = Tally(int(on_time or 0), int(late or 0), int(missed or 0))
        if tally.counted:
            by_department[dept_id][(kind, int(week_index))] = tally
    wanted = set(by_department) | ({department_id} if department_id else set())
    departments = db.session.scalars(
        select(Department).where(Department.id.in_(wanted)).order_by(Department.code)
    ).all()
    return Attainment(
        weeks=[Week(monday) for monday in mondays],
        departments=[DepartmentAttainment(d, by_department.get(d.id, {})) for d in departments],
    )
