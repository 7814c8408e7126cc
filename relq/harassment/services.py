"""Customer-harassment records: flagging a case, describing what happened, caring for the staff
member, and the counts management reads. Services take the acting user, record an audit event
and flush; they never commit.

The audit events of this capability carry no case id and no text: the case's timeline is read
by everyone who can see the case, and the record's details are for the staff member's side
only. The events say what was done and which fields changed, never what was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, or_, select, true
from sqlalchemy.exc import IntegrityError

from relq import access, events
from relq.audit.models import AuditEvent
from relq.audit.services import diff, record
from relq.cache import cached
from relq.cases.models import OFFICE_TZ, Case
from relq.cases.services import CaseError, MissingInput, NotAllowed
from relq.db import db, utcnow
from relq.errors import Conflict
from relq.harassment.models import ACTIONS, ASSESSMENTS, BEHAVIOURS, HarassmentReport, StaffFollowUp
from relq.org.models import User

TEXT_FIELDS = (
    "fact_when",
    "fact_where",
    "fact_who",
    "fact_what",
    "fact_why",
    "fact_how",
    "quotes",
    "evidence",
)
EDITABLE_FIELDS = ("behaviours", "demand_valid", "manner_acceptable", "actions", *TEXT_FIELDS)
# A count row for reports whose behaviours are not described yet: flagged, not yet written up.
UNDESCRIBED = "undescribed"


class AlreadyFlagged(CaseError):
    """The case already has its record; `report` is it."""

    def __init__(self, report: HarassmentReport):
        super().__init__(report.id)
        self.report = report


class InvalidChoice(CaseError):
    """A code that is not among the known behaviours, actions or answers."""

    def __init__(self, field_name: str):
        super().__init__(field_name)
        self.field_name = field_name


class ReportConflict(CaseError, Conflict):
    """Someone changed the record after the user loaded it; `changed_by` tells who, if known."""

    def __init__(self, report: HarassmentReport, changed_by: User | None):
        super().__init__("report_conflict", report.id)
        self.report, self.changed_by = report, changed_by


# ---- reading ---------------------------------------------------------------------------------


def report_for_case(case_id: int) -> HarassmentReport | None:
    return db.session.scalar(select(HarassmentReport).where(HarassmentReport.case_id == case_id))


def flagged_case_ids() -> Select:
    """Ids of the cases handled under the harassment policy: performance figures (deadline
    attainment, workload per operator) leave them out, so that a harassed operator is never
    counted as slow or as failing."""
    return select(HarassmentReport.case_id)


def report_scope(user: User) -> ColumnElement[bool]:
    """The condition on HarassmentReport that selects the records `user` may read: the same
    rule as `access.can_read_harassment`, as SQL."""
    if not user.is_active:
        return false()
    if user.role in ("executive", "admin"):
        return true()
    own = or_(
        HarassmentReport.flagged_by_id == user.id, HarassmentReport.staff_member_id == user.id
    )
    if user.role == "lead":
        team = select(User.id).where(User.department_id == user.department_id)
        return or_(
            own,
            HarassmentReport.flagged_by_id.in_(team),
            HarassmentReport.staff_member_id.in_(team),
        )
    return own


def readable_reports(user: User) -> Select:
    """The records `user` may read, of cases `user` may see (the one door to case data)."""
    return (
        select(HarassmentReport)
        .join(Case, Case.id == HarassmentReport.case_id)
        .where(access.case_scope(user), report_scope(user))
    )


def follow_ups(report: HarassmentReport) -> list[StaffFollowUp]:
    return list(
        db.session.scalars(
            select(StaffFollowUp)
            .where(StaffFollowUp.report_id == report.id)
            .order_by(StaffFollowUp.held_at.desc(), StaffFollowUp.id.desc())
        )
    )


@dataclass(frozen=True)
class StaffMember:
    id: int
    name: str


@cached("org")
def _front_line(department_id: int | None) -> tuple[StaffMember, ...]:
    """The active operators and leads of a department (kept: the flag button is on every case
    page, and people change far less often than cases are read)."""
    return tuple(
        StaffMember(*row)
        for row in db.session.execute(
            select(User.id, User.name)
            .where(
                User.department_id == department_id,
                User.is_active.is_(True),
                User.role.in_(("operator", "lead")),
            )
            .order_by(User.name)
        )
    )


def staff_choices(case: Case, actor: User) -> list[StaffMember]:
    """Who may be named as the staff member who bore it: the actor, and the active front line
    of the department that took the case in."""
    found = list(_front_line(case.intake_department_id))
    if any(person.id == actor.id for person in found):
        return found
    return [StaffMember(actor.id, actor.name), *found]


@dataclass
class ReportRow:
    report: HarassmentReport
    case: Case
    has_follow_up: bool


def report_list(user: User, *, limit: int, offset: int = 0) -> list[ReportRow]:
    """The records `user` may read, newest first, with whether the staff member was cared for."""
    cared = exists().where(StaffFollowUp.report_id == HarassmentReport.id)
    rows = db.session.execute(
        readable_reports(user)
        .add_columns(Case, cared)
        .order_by(HarassmentReport.flagged_at.desc(), HarassmentReport.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [ReportRow(report, case, bool(has)) for report, case, has in rows]


@dataclass
class MonthlyCounts:
    """Reports per month and behaviour: `months` oldest first, each a month's first day (office
    time); `by_behaviour[code][i]` counts the reports of month i naming that behaviour (a report
    may name several; UNDESCRIBED counts those naming none yet); `reports[i]` the reports."""

    months: list[date]
    by_behaviour: dict[str, list[int]]
    reports: list[int]

    @property
    def stacks(self) -> list[int]:
        """Each month's sum over the behaviour rows (the height of its stacked bar)."""
        return [sum(row[i] for row in self.by_behaviour.values()) for i in range(len(self.months))]

    @property
    def highest(self) -> int:
        return max(self.stacks, default=0)


def month_start(moment: datetime) -> datetime:
    """The first instant (office time, as UTC-aware) of the month `moment` falls in."""
    local = moment.astimezone(OFFICE_TZ)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def last_months(n: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) covering the current month and the n-1 before it, in office time."""
    end_month = month_start(now or utcnow())
    start = end_month
    for _ in range(n - 1):
        start = month_start(start - timedelta(days=1))
    end = month_start(end_month + timedelta(days=32))
    return start, end


def harassment_counts(user: User, start: datetime, end: datetime) -> MonthlyCounts:
    """Reports flagged in [start, end) that `user` may read, per office month and behaviour."""
    months: list[date] = []
    cursor = month_start(start)
    while cursor < end:
        months.append(cursor.date())
        cursor = month_start(cursor + timedelta(days=32))
    index = {month: i for i, month in enumerate(months)}
    by_behaviour = {code: [0] * len(months) for code in [*BEHAVIOURS, UNDESCRIBED]}
    reports = [0] * len(months)
    # Harassment reports are few (dozens a year): counting the behaviours' JSON lists here
    # is cheaper to keep portable than JSON functions that differ between SQLite and PostgreSQL.
    rows = db.session.execute(
        readable_reports(user)
        .with_only_columns(HarassmentReport.flagged_at, HarassmentReport.behaviours)
        .where(HarassmentReport.flagged_at >= start, HarassmentReport.flagged_at < end)
    ).all()
    for flagged_at, behaviours in rows:
        i = index.get(month_start(flagged_at).date())
        if i is None:
            continue
        reports[i] += 1
        known = [code for code in behaviours or [] if code in BEHAVIOURS]
        for code in known or [UNDESCRIBED]:
            by_behaviour[code][i] += 1
    return MonthlyCounts(months, by_behaviour, reports)


# ---- changing --------------------------------------------------------------------------------


def flag_case(case: Case, *, actor: User, staff_member_id: int | None = None) -> HarassmentReport:
    """Open the harassment record of `case`, for the staff member who bore it (the actor unless
    named). Raises NotAllowed (only the front line flags), MissingInput("staff_member") for
    someone outside the front line of the case, AlreadyFlagged when the case has its record."""
    if not access.can_flag_harassment(actor, case):
        raise NotAllowed("flag_harassment")
    existing = report_for_case(case.id)
    if existing is not None:
        raise AlreadyFlagged(existing)
    staff_member_id = staff_member_id or actor.id
    # The actor may be of another customer-contact department than the one that took it in.
    if staff_member_id not in {u.id for u in staff_choices(case, actor)}:
        raise MissingInput("staff_member")
    report = HarassmentReport(
        case_id=case.id,
        flagged_by_id=actor.id,
        flagged_at=utcnow(),
        staff_member_id=staff_member_id,
        behaviours=[],
        actions=[],
    )
    db.session.add(report)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Two people flagged the same case at once: the first record stands.
        existing = report_for_case(case.id)
        if existing is None:
            raise
        raise AlreadyFlagged(existing) from None
    record(
        "harassment.flagged",
        actor=actor,
        entity_type="harassment_report",
        entity_id=report.id,
        after={"case": case.ref},
    )
    events.harassment_flagged.send(case, actor=actor, report=report)
    return report


def _codes(values: Any, known: dict, field_name: str) -> list[str]:
    """The chosen codes, each once, in the vocabulary's order (so that an unchanged choice
    compares equal whatever order the form sent it in)."""
    chosen = set(values or [])
    if chosen - set(known):
        raise InvalidChoice(field_name)
    return [code for code in known if code in chosen]


def _clean(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {unknown}")
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "behaviours":
            cleaned[name] = _codes(value, BEHAVIOURS, name)
        elif name == "actions":
            cleaned[name] = _codes(value, ACTIONS, name)
        elif name in ("demand_valid", "manner_acceptable"):
            if value and value not in ASSESSMENTS:
                raise InvalidChoice(name)
            cleaned[name] = value or None
        else:
            cleaned[name] = (value or "").strip()
    return cleaned


def _last_editor(report: HarassmentReport) -> User | None:
    return db.session.scalar(
        select(User)
        .join(AuditEvent, AuditEvent.actor_id == User.id)
        .where(
            AuditEvent.entity_type == "harassment_report",
            AuditEvent.entity_id == report.id,
            AuditEvent.action.in_(("harassment.flagged", "harassment.updated")),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def update_report(
    report: HarassmentReport, *, actor: User, changes: dict[str, Any], expected_version: int
) -> list[str]:
    """Describe what happened: behaviours, the two MHLW answers, the 5W1H facts, quotes,
    evidence, actions taken. Returns the names of the fields that changed. Raises NotAllowed,
    InvalidChoice for an unknown code, ReportConflict when the record is no longer at
    `expected_version` (the version the user's form was built from)."""
    if not access.can_edit_harassment(actor, report):
        raise NotAllowed("edit_harassment")
    if report.version != expected_version:
        raise ReportConflict(report, _last_editor(report))
    _before, after = diff(report, _clean(changes))
    if not after:
        return []
    for name, value in after.items():
        setattr(report, name, value)
    db.session.flush()
    changed = [name for name in EDITABLE_FIELDS if name in after]
    record(
        "harassment.updated",
        actor=actor,
        entity_type="harassment_report",
        entity_id=report.id,
        after={"fields": changed},
    )
    return changed


def add_follow_up(
    report: HarassmentReport, *, actor: User, held_at: datetime, body: str
) -> StaffFollowUp:
    """Record a conversation with the staff member who bore it (their care). Raises NotAllowed,
    MissingInput("body") or MissingInput("held_at") for a time in the future."""
    if not access.can_edit_harassment(actor, report):
        raise NotAllowed("follow_up")
    body = (body or "").strip()
    if not body:
        raise MissingInput("body")
    if held_at is None or held_at > utcnow() + timedelta(minutes=5):
        raise MissingInput("held_at")
    follow_up = StaffFollowUp(
        report_id=report.id,
        recorded_by_id=actor.id,
        held_at=held_at.replace(second=0, microsecond=0),
        body=body,
        created_at=utcnow(),
    )
    db.session.add(follow_up)
    db.session.flush()
    record(
        "harassment.follow_up_added",
        actor=actor,
        entity_type="harassment_report",
        entity_id=report.id,
        after={"follow_up": follow_up.id},
    )
    return follow_up
