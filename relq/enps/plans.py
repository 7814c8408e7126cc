"""Action plans: what a department decided to do about a round's results, and what followed.

Who may do what (named checks, used by views and templates alike):
- a lead writes the plans of their own department (issue found, measure, owner among the
  department's active people, due date, status), for a closed round: its results are final;
- executives and admins read every department's plans (admins publish the round's measures on
  the employees' results page, relq/enps/published.py); operators read none.

The next round shows each plan beside the change in the department's score: `follow_up` puts a
round's plans beside the department's eNPS in that round and in the next one. Every number
comes from the anonymity gate (relq/enps/gate.py); a suppressed group stays suppressed, and no
change is computed from, or shown beside, a suppressed score.

Services take the acting user, record one audit event per change and flush; they never commit.
They raise NotAllowed (role, department), NotFound (scope), Conflict (the round is not closed)
and Invalid (a missing or wrong value, `code` naming the field).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from relq.audit.services import apply_changes, record
from relq.db import db
from relq.enps.models import PLAN_STATUSES, ActionPlan, SurveyRound
from relq.errors import Conflict, Invalid, NotAllowed, NotFound
from relq.forms import REFUSED_CHARACTERS
from relq.org.models import Department, User

ISSUE_MAX = 1000
MEASURE_MAX = 2000
# A due date outside these years is a typing slip, not a plan.
DUE_FROM, DUE_TO = date(2000, 1, 1), date(2100, 12, 31)
# Shown on the employees' results page and in the overview: every plan but a dropped one.
SHOWN_STATUSES = ("planned", "in_progress", "done")

ENTITY = "enps_action_plan"
CREATED, UPDATED = f"{ENTITY}.created", f"{ENTITY}.updated"
AUDIT_LABELS = {
    CREATED: _l("eNPS action plan written"),
    UPDATED: _l("eNPS action plan changed"),
}


# ---- who may --------------------------------------------------------------------------------


def can_read_plans(user: User, department_id: int) -> bool:
    """Executives and admins read every department's plans; a lead reads their own."""
    if not user.is_active:
        return False
    if user.role in ("executive", "admin"):
        return True
    return user.role == "lead" and user.department_id == department_id


def can_write_plans(user: User, department_id: int) -> bool:
    """Only the department's own lead writes its plans."""
    return user.is_active and user.role == "lead" and user.department_id == department_id


def can_read_plan_overview(user: User) -> bool:
    """Every department's plans of a round on one page: executives and admins."""
    return user.is_active and user.role in ("executive", "admin")


def can_read_any_plans(user: User) -> bool:
    """Whether the plans' menu item shows at all."""
    return user.is_active and user.role in ("lead", "executive", "admin")


# ---- reading ---------------------------------------------------------------------------------


def get_round_or_404(round_id: int) -> SurveyRound:
    found = db.session.get(SurveyRound, round_id)
    if found is None:
        raise NotFound("round")
    return found


def get_department_or_404(department_id: int) -> Department:
    found = db.session.get(Department, department_id)
    if found is None:
        raise NotFound("department")
    return found


def get_plan_or_404(plan_id: int, user: User) -> ActionPlan:
    """A plan the user may read; one they may not is as absent as one that does not exist."""
    plan = db.session.get(ActionPlan, plan_id)
    if plan is None or not can_read_plans(user, plan.department_id):
        raise NotFound("plan")
    return plan


def closed_rounds() -> list[SurveyRound]:
    """Closed rounds, the latest first."""
    return list(
        db.session.scalars(
            select(SurveyRound)
            .where(SurveyRound.status == "closed")
            .order_by(SurveyRound.period_start.desc(), SurveyRound.id.desc())
        )
    )


def rounds_for_plans() -> list[SurveyRound]:
    """Rounds a plans page may be about: closed and open ones (an open round's page shows the
    previous round's plans beside what is known so far), the latest first."""
    return list(
        db.session.scalars(
            select(SurveyRound)
            .where(SurveyRound.status.in_(("open", "closed")))
            .order_by(SurveyRound.period_start.desc(), SurveyRound.id.desc())
        )
    )


def previous_round(survey_round: SurveyRound) -> SurveyRound | None:
    """The closed round just before this one (by its period)."""
    return db.session.scalars(
        select(SurveyRound)
        .where(
            SurveyRound.status == "closed",
            SurveyRound.id != survey_round.id,
            SurveyRound.period_start < survey_round.period_start,
        )
        .order_by(SurveyRound.period_start.desc(), SurveyRound.id.desc())
        .limit(1)
    ).first()


def plans_of(round_id: int, department_id: int | None = None) -> list[ActionPlan]:
    """A round's plans (of one department, or all), by department, then due date (none last)."""
    query = select(ActionPlan).where(ActionPlan.round_id == round_id)
    if department_id is not None:
        query = query.where(ActionPlan.department_id == department_id)
    return list(
        db.session.scalars(
            query.order_by(
                ActionPlan.department_id,
                ActionPlan.due_on.is_(None),
                ActionPlan.due_on,
                ActionPlan.id,
            )
        )
    )


def owners_for(department_id: int) -> list[User]:
    """Who may own a department's plan: its active people."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.department_id == department_id, User.is_active.is_(True))
            .order_by(User.name, User.id)
        )
    )


@dataclass(frozen=True)
class Change:
    """A department's (or the company's) eNPS in one round and the next, through the gate."""

    before: object  # gate.Score | gate.Suppressed | None (no earlier round)
    after: object  # gate.Score | gate.Suppressed

    @property
    def delta(self) -> float | None:
        """after − before in points, only when both may be shown."""
        from relq.enps import gate

        if isinstance(self.before, gate.Score) and isinstance(self.after, gate.Score):
            return self.after.enps - self.before.enps
        return None


def score_change(survey_round: SurveyRound, department_id: int | None) -> Change:
    """The group's eNPS in the previous round and in this one, both through the gate."""
    from relq.enps import gate

    before_round = previous_round(survey_round)
    before = (
        gate.score(gate.Group(before_round.id, department_id)) if before_round is not None else None
    )
    return Change(before=before, after=gate.score(gate.Group(survey_round.id, department_id)))


@dataclass(frozen=True)
class FollowUp:
    """What the previous round's plans were, beside the change in the department's score
    from that round to this one."""

    previous: SurveyRound
    plans: list[ActionPlan]
    change: Change


def follow_up(survey_round: SurveyRound, department_id: int) -> FollowUp | None:
    """The previous round's plans of the department and the change since (None: no earlier
    closed round)."""
    before_round = previous_round(survey_round)
    if before_round is None:
        return None
    return FollowUp(
        previous=before_round,
        plans=plans_of(before_round.id, department_id),
        change=score_change(survey_round, department_id),
    )


@dataclass(frozen=True)
class DepartmentPlans:
    department: Department
    plans: list[ActionPlan]
    change: Change


def overview(survey_round: SurveyRound) -> list[DepartmentPlans]:
    """Every active department (and any other with plans in the round): its plans, and its
    eNPS in this round beside the previous one, through the gate (one call per round). A
    department without answers has no score (None)."""
    from relq.enps import gate

    plans = plans_of(survey_round.id)
    by_department: dict[int, list[ActionPlan]] = {}
    for plan in plans:
        by_department.setdefault(plan.department_id, []).append(plan)
    before_round = previous_round(survey_round)
    after = gate.department_scores(survey_round.id)
    before = gate.department_scores(before_round.id) if before_round is not None else {}
    departments = db.session.scalars(
        select(Department)
        .where(Department.is_active.is_(True) | Department.id.in_(list(by_department)))
        .order_by(Department.id)
    )
    return [
        DepartmentPlans(
            department=d,
            plans=by_department.get(d.id, []),
            change=Change(before=before.get(d.id), after=after.get(d.id)),
        )
        for d in departments
    ]


# ---- writing ---------------------------------------------------------------------------------


def _text(value: str | None, code: str, limit: int, *, required: bool) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > limit or REFUSED_CHARACTERS.search(text):
        raise Invalid(code)
    return text


def _checked(
    department_id: int,
    *,
    issue: str | None,
    measure: str | None,
    owner_id: int | None,
    due_on: date | None,
    status: str,
) -> dict:
    if status not in PLAN_STATUSES:
        raise Invalid("status")
    if owner_id is not None:
        owner = db.session.get(User, owner_id)
        if owner is None or owner.department_id != department_id or not owner.is_active:
            raise Invalid("owner")
    if due_on is not None and not DUE_FROM <= due_on <= DUE_TO:
        raise Invalid("due_on")
    return {
        "issue": _text(issue, "issue", ISSUE_MAX, required=True),
        "measure": _text(measure, "measure", MEASURE_MAX, required=True),
        "owner_id": owner_id,
        "due_on": due_on,
        "status": status,
    }


def _may_write(actor: User, survey_round: SurveyRound, department_id: int) -> None:
    if not can_write_plans(actor, department_id):
        raise NotAllowed("not_allowed")
    if survey_round.status != "closed":
        raise Conflict("round_not_closed")


def create_plan(
    actor: User,
    survey_round: SurveyRound,
    department: Department,
    *,
    issue: str,
    measure: str,
    owner_id: int | None = None,
    due_on: date | None = None,
    status: str = "planned",
) -> ActionPlan:
    """Write a plan for the department's results of a closed round. Raises NotAllowed (not
    the department's lead), Conflict (round not closed), Invalid (`code` names the field)."""
    _may_write(actor, survey_round, department.id)
    values = _checked(
        department.id,
        issue=issue,
        measure=measure,
        owner_id=owner_id,
        due_on=due_on,
        status=status,
    )
    plan = ActionPlan(
        round_id=survey_round.id,
        department_id=department.id,
        created_by_id=actor.id,
        **values,
    )
    db.session.add(plan)
    db.session.flush()
    record(
        CREATED,
        actor=actor,
        entity_type=ENTITY,
        entity_id=plan.id,
        after={"round_id": survey_round.id, "department_id": department.id, **values},
    )
    return plan


def update_plan(
    actor: User,
    plan: ActionPlan,
    *,
    issue: str,
    measure: str,
    owner_id: int | None,
    due_on: date | None,
    status: str,
) -> dict:
    """Change a plan (its lead only); records the fields that changed, returns them ({}: none).
    Raises as create_plan does."""
    _may_write(actor, plan.round, plan.department_id)
    values = _checked(
        plan.department_id,
        issue=issue,
        measure=measure,
        owner_id=owner_id,
        due_on=due_on,
        status=status,
    )
    return apply_changes(plan, values, action=UPDATED, actor=actor, entity_type=ENTITY)
