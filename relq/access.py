"""Who may see and do what: the one scoping function and the named permission checks.

Three layers, each tested:
1. Every endpoint declares the roles that may call it (`@allow(...)`); an endpoint without a
   declaration stops the app at start, and `enforce_endpoint_access` runs before every request.
2. `visible_cases(user)` is the one door to case data: lists, details, counts, searches and
   exports all start from it. A case outside it is a 404, as if it did not exist.
3. `can_<verb>(user, obj)` answers for one object and one action, for views and templates alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, request
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, false, or_, select, true

from relq.cases.models import FRONT_LINE, OWNER, TRANSITIONS, Case
from relq.db import db
from relq.org.models import ROLES, Department, User

ANONYMOUS = "anonymous"
EVERYONE = frozenset(ROLES)
F = TypeVar("F", bound=Callable)


def allow(*roles: str) -> Callable[[F], F]:
    """Declare who may call an endpoint: role names, `EVERYONE` logged in, or `ANONYMOUS`."""
    flat: set[str] = set()
    for role in roles:
        flat |= set(role) if isinstance(role, frozenset) else {role}
    unknown = flat - set(ROLES) - {ANONYMOUS}
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorate(view: F) -> F:
        view.relq_allow = frozenset(flat)  # type: ignore[attr-defined]
        return view

    return decorate


def endpoint_rule(app: Flask, endpoint: str) -> frozenset[str] | None:
    if endpoint == "static":
        return frozenset({ANONYMOUS})
    return getattr(app.view_functions[endpoint], "relq_allow", None)


def check_endpoints_declared(app: Flask) -> None:
    missing = sorted(e for e in app.view_functions if endpoint_rule(app, e) is None)
    if missing:
        raise RuntimeError(f"endpoints without an access rule: {', '.join(missing)}")


def enforce_endpoint_access():
    """before_request: refuse a call the endpoint's rule does not allow."""
    if request.endpoint is None:
        return None  # 404/405: nothing to guard
    rule = endpoint_rule(current_app, request.endpoint)
    if rule is None:
        abort(500)
    if ANONYMOUS in rule:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role not in rule:
        abort(403)
    return None


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)


# ---- what a user may see -------------------------------------------------------------------


def customer_contact_department_ids() -> Select:
    return select(Department.id).where(Department.is_customer_contact.is_(True))


def case_scope(user: User) -> ColumnElement[bool]:
    """The condition on Case that selects what `user` may see."""
    if not user.is_active:
        return false()
    if user.role in ("executive", "admin"):
        return true()
    if user.role == "operator":
        # The front line sees every case its customer-contact departments took in, wherever
        # the case was routed afterwards: that is how the answer comes back to them.
        return Case.intake_department_id.in_(customer_contact_department_ids())
    if user.role == "lead":
        return or_(
            Case.responsible_department_id == user.department_id,
            Case.intake_department_id == user.department_id,
        )
    return false()


def can_see_case(user: User, case: Case) -> bool:
    """`case_scope` for one loaded case, answered without asking the database: for code that
    decides about many cases at once (who may be told about a case). Must agree with
    `case_scope`; tests/test_access_matrix.py checks that it does, role by role."""
    if not user.is_active:
        return False
    if user.role in ("executive", "admin"):
        return True
    if user.role == "operator":
        return bool(case.intake_department.is_customer_contact)
    if user.role == "lead":
        return user.department_id in (case.responsible_department_id, case.intake_department_id)
    return False


def visible_cases(user: User) -> Select:
    return select(Case).where(case_scope(user))


def get_case_or_404(case_id: int, user: User) -> Case:
    case = db.session.scalar(visible_cases(user).where(Case.id == case_id))
    if case is None:
        abort(404)
    return case


# ---- what a user may do --------------------------------------------------------------------


def sides(user: User, case: Case) -> frozenset[str]:
    """The parts `user` plays on `case`: front line, owner, both or none."""
    if not user.is_active:
        return frozenset()
    found = set()
    if user.role == "operator" and user.department.is_customer_contact:
        found.add(FRONT_LINE)
    if user.role == "lead":
        if case.intake_department_id == user.department_id:
            found.add(FRONT_LINE)
        if case.responsible_department_id == user.department_id:
            found.add(OWNER)
    return frozenset(found)


def is_front_line(user: User) -> bool:
    """Operators and leads of a customer-contact department: they take cases in and read the
    departments' answers."""
    return (
        user.is_active and user.role in ("operator", "lead") and user.department.is_customer_contact
    )


def can_create_case(user: User) -> bool:
    return is_front_line(user)


def can_edit_case(user: User, case: Case) -> bool:
    return bool(sides(user, case))


def can_assign(user: User, case: Case) -> bool:
    return bool(sides(user, case)) and case.status != "closed"


def can_bulk_update_cases(user: User) -> bool:
    """Who gets the case list's bulk tools (assign, route, close); each case is then checked
    by its own service, as if changed on its page."""
    return user.is_active and user.role in ("operator", "lead")


def can_tag_case(user: User, case: Case) -> bool:
    return bool(sides(user, case))


def can_add_note(user: User, case: Case) -> bool:
    return bool(sides(user, case))


def can_transition(user: User, case: Case, action: str) -> bool:
    transition = TRANSITIONS.get(action)
    return (
        transition is not None
        and case.status in transition.sources
        and bool(transition.sides & sides(user, case))
    )


def can_answer(user: User, case: Case) -> bool:
    """Whether `user` answers for the department the case is routed to (its lead)."""
    return OWNER in sides(user, case)


def allowed_transitions(user: User, case: Case) -> list:
    return [t for t in TRANSITIONS.values() if can_transition(user, case, t.action)]


def can_manage_org(user: User) -> bool:
    return user.is_active and user.role == "admin"


def can_import_history(user: User) -> bool:
    """Bringing a past system's cases in (`flask relq import`): admins only."""
    return user.is_active and user.role == "admin"


def can_see_alerts(user: User) -> bool:
    """Surge alerts are for management."""
    return user.is_active and user.role in ("executive", "admin")


def can_read_audit(user: User) -> bool:
    return user.is_active and user.role in ("admin", "executive")


# ---- routing's second half: answers, deadlines, escalations, harassment, thanks -----------


def can_read_inbox(user: User) -> bool:
    """The lead's inbox: what was routed to their department and waits for its answer."""
    return user.is_active and user.role == "lead"


def can_manage_deadline_policies(user: User) -> bool:
    return user.is_active and user.role == "admin"


def can_read_attainment(user: User) -> bool:
    """Deadline attainment: leads for their department, management for all."""
    return user.is_active and user.role in ("lead", "executive", "admin")


def escalation_scope(user: User) -> ColumnElement[bool]:
    """The condition on Escalation that selects what `user` may see: management sees every
    escalation, a lead those of their department or of a case they can see."""
    from relq.escalations.models import Escalation

    if not user.is_active:
        return false()
    if user.role in ("executive", "admin"):
        return true()
    if user.role == "lead":
        from relq.handoffs.models import Handoff

        return or_(
            Escalation.department_id == user.department_id,
            Escalation.case_id.in_(select(Case.id).where(case_scope(user))),
            # A stalled handoff concerns the asking department's lead as well.
            Escalation.handoff_id.in_(
                select(Handoff.id).where(Handoff.requester_department_id == user.department_id)
            ),
        )
    return false()


def can_read_escalations(user: User) -> bool:
    return user.is_active and user.role in ("lead", "executive", "admin")


def can_decide_escalation(user: User, escalation) -> bool:
    """Executives decide and close every escalation (経営判断); a lead closes the
    department-level ones of their own department."""
    if not user.is_active or not escalation.is_open:
        return False
    if user.role == "executive":
        return True
    return (
        user.role == "lead"
        and escalation.level == 1
        and user.department_id in escalation.department_ids
    )


def can_comment_escalation(user: User, escalation) -> bool:
    if not user.is_active or not escalation.is_open:
        return False
    if user.role == "executive":
        return True
    return user.role == "lead" and user.department_id in escalation.department_ids


def can_flag_harassment(user: User, case: Case) -> bool:
    """The front line flags customer harassment on the cases it took in."""
    return FRONT_LINE in sides(user, case)


def can_read_harassment(user: User, report) -> bool:
    """The record's details are for the staff member's side only: the operator who flagged it
    or bore it, the lead of their department, executives and admins."""
    if not user.is_active:
        return False
    if user.role in ("executive", "admin"):
        return True
    if user.id in (report.flagged_by_id, report.staff_member_id):
        return True
    return user.role == "lead" and user.department_id in (
        report.flagged_by.department_id,
        report.staff_member.department_id,
    )


def can_see_harassment_overview(user: User) -> bool:
    """Management's counts of harassment cases: leads for their staff, executives and admins
    for everyone."""
    return user.is_active and user.role in ("lead", "executive", "admin")


def can_edit_harassment(user: User, report) -> bool:
    return can_read_harassment(user, report) and user.role in ("operator", "lead")


def can_share_compliment(user: User, case: Case) -> bool:
    """The front line passes a compliment on to the department and person it names."""
    return case.kind == "compliment" and FRONT_LINE in sides(user, case)


def can_withdraw_compliment(user: User, case: Case) -> bool:
    """The front line that shared it, or an admin (a quote that should not have been shared)."""
    return can_share_compliment(user, case) or (user.is_active and user.role == "admin")


# ---- internal-customer handoffs (relq/handoffs) ----------------------------------------------
# The two sides are the people (operators and leads) of the asking and the providing
# department; executives read every handoff; the front line of a case sees the hops on it.


def handoff_sides(user: User, handoff) -> frozenset[str]:
    from relq.handoffs.models import PROVIDER, REQUESTER

    if not user.is_active or user.role not in ("operator", "lead"):
        return frozenset()
    found = set()
    if user.department_id == handoff.requester_department_id:
        found.add(REQUESTER)
    if user.department_id == handoff.provider_department_id:
        found.add(PROVIDER)
    return frozenset(found)


def handoff_scope(user: User) -> ColumnElement[bool]:
    """The handoffs `user` may read, as a condition on Handoff (the one door to them)."""
    from relq.handoffs.models import Handoff

    if not user.is_active:
        return false()
    if user.role == "executive":
        return true()
    if user.role not in ("operator", "lead"):
        return false()
    mine = or_(
        Handoff.requester_department_id == user.department_id,
        Handoff.provider_department_id == user.department_id,
    )
    if not is_front_line(user):
        return mine
    return or_(mine, Handoff.case_id.in_(select(Case.id).where(case_scope(user))))


def can_read_handoff(user: User, handoff) -> bool:
    if not user.is_active:
        return False
    if user.role == "executive" or handoff_sides(user, handoff):
        return True
    return (
        handoff.case is not None
        and FRONT_LINE in sides(user, handoff.case)
        and can_see_case(user, handoff.case)
    )


def can_request_handoff(user: User, case: Case | None = None) -> bool:
    """Operators and leads ask another department, on a case they can see or on its own."""
    if not user.is_active or user.role not in ("operator", "lead"):
        return False
    return case is None or can_see_case(user, case)


def can_step_handoff(user: User, handoff, action: str) -> bool:
    from relq.handoffs.models import STEPS

    step = STEPS.get(action)
    return (
        step is not None
        and handoff.status in step.sources
        and step.side in handoff_sides(user, handoff)
    )


def can_message_handoff(user: User, handoff) -> bool:
    return handoff.is_open and bool(handoff_sides(user, handoff))


def can_read_handoff_inbox(user: User) -> bool:
    return user.is_active and user.role in ("operator", "lead")


def can_read_relationship_map(user: User) -> bool:
    """The map of every department's handoffs: management and the departments' leads."""
    return user.is_active and user.role in ("lead", "executive")


def can_read_scorecard(user: User, department_id: int) -> bool:
    """A department's 関係品質 scorecard: its own lead, and executives for every department."""
    if not user.is_active:
        return False
    return user.role == "executive" or (user.role == "lead" and user.department_id == department_id)


def can_manage_handoff_policies(user: User) -> bool:
    return user.is_active and user.role == "admin"
