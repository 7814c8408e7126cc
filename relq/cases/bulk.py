"""Bulk changes from the case list: assign, route, close several cases at once.

Each chosen case is found through `visible_cases(actor)` and changed by the same service as
on its page (`assign_case`, `transition_case`), with the version the list showed: the rules,
the permission checks, the optimistic lock and the audit event apply case by case. A case
refused (not found, not allowed, wrong status, changed meanwhile...) is reported with its
reason and leaves the others alone: each change runs in a savepoint of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import select

from relq import access
from relq.cases.models import TRANSITIONS, Case
from relq.cases.services import (
    EditConflict,
    IllegalTransition,
    MissingInput,
    assign_case,
    transition_case,
)
from relq.db import db
from relq.errors import DomainError, Invalid, NotAllowed
from relq.org.models import Department, User

BULK_ACTIONS = ("assign", "route", "close")
BULK_LIMIT = 100


class BulkTarget(NamedTuple):
    """A case chosen on the list, with the version the list showed it at."""

    case_id: int
    version: int


class BulkResult(NamedTuple):
    case_id: int
    ref: str | None  # None for a case the actor cannot see (it is not named)
    outcome: str  # changed, unchanged, or why it was refused (REFUSALS)


# Why a case was left as it was (the list words them).
REFUSALS = (
    "not_found",
    "not_allowed",
    "wrong_status",
    "conflict",
    "needs_reason",
    "not_assignable",
    "same_department",
    "invalid",
)


@dataclass(frozen=True)
class BulkOutcome:
    action: str
    results: tuple[BulkResult, ...]

    @property
    def changed(self) -> tuple[BulkResult, ...]:
        return tuple(r for r in self.results if r.outcome == "changed")

    @property
    def unchanged(self) -> tuple[BulkResult, ...]:
        return tuple(r for r in self.results if r.outcome == "unchanged")

    def refused(self) -> dict[str, tuple[BulkResult, ...]]:
        """The refused cases by reason, in REFUSALS' order."""
        found = {
            reason: tuple(r for r in self.results if r.outcome == reason) for reason in REFUSALS
        }
        return {reason: rows for reason, rows in found.items() if rows}


def _reason(error: DomainError) -> str:
    if isinstance(error, IllegalTransition):
        return "wrong_status"
    if isinstance(error, EditConflict):
        return "conflict"
    if isinstance(error, NotAllowed):
        return "not_allowed"
    if isinstance(error, MissingInput):
        return {
            "reason": "needs_reason",
            "assignee": "not_assignable",
            "department": "same_department",
        }.get(error.field_name, "invalid")
    return "invalid"


def _change(
    case: Case,
    *,
    actor: User,
    action: str,
    version: int,
    assignee_id: int | None,
    department_id: int | None,
    reason: str,
) -> bool:
    """Change one case as its page would; whether anything changed."""
    if action == "assign":
        before = case.assignee_id
        assign_case(case, actor=actor, assignee_id=assignee_id, expected_version=version)
        return case.assignee_id != before
    if action == "route":
        # A case still waiting is routed; one already routed is rerouted (with a reason).
        step = "route" if case.status in TRANSITIONS["route"].sources else "reroute"
        transition_case(
            case,
            actor=actor,
            action=step,
            expected_version=version,
            department_id=department_id,
            reason=reason,
        )
        return True
    transition_case(case, actor=actor, action="close", expected_version=version)
    return True


def bulk_update(
    actor: User,
    targets: list[BulkTarget],
    *,
    action: str,
    assignee_id: int | None = None,
    department_id: int | None = None,
    reason: str = "",
) -> BulkOutcome:
    """Apply `action` (assign, route or close) to each target the actor may see, each through
    its own service. Returns what happened to each, in the order given. Raises Invalid for an
    unknown action or more than BULK_LIMIT cases, NotAllowed for an actor without the bulk
    tools; a refusal for one case is reported, not raised."""
    if action not in BULK_ACTIONS:
        raise Invalid("bulk_action", action)
    if not access.can_bulk_update_cases(actor):
        raise NotAllowed("bulk")
    targets = list(dict.fromkeys(targets))
    if len(targets) > BULK_LIMIT:
        raise Invalid("too_many_cases")
    ids = [t.case_id for t in targets]
    cases = {
        c.id: c
        for c in db.session.scalars(
            access.visible_cases(actor).where(Case.id.in_(ids)).order_by(Case.id)
        )
    }
    results: list[BulkResult] = []
    for target in targets:
        case = cases.get(target.case_id)
        if case is None:
            results.append(BulkResult(target.case_id, None, "not_found"))
            continue
        ref = case.ref
        try:
            with db.session.begin_nested():
                changed = _change(
                    case,
                    actor=actor,
                    action=action,
                    version=target.version,
                    assignee_id=assignee_id,
                    department_id=department_id,
                    reason=reason,
                )
        except DomainError as error:
            results.append(BulkResult(case.id, ref, _reason(error)))
            continue
        results.append(BulkResult(case.id, ref, "changed" if changed else "unchanged"))
    return BulkOutcome(action, tuple(results))


def bulk_assignees(actor: User, locale: str) -> list[tuple[int, str]]:
    """Whom the bulk "assign" offers, as (id, "name (department)"): the active operators and
    leads of the actor's own department first, then of the others (each case then accepts
    only the people of its own departments: `assignable_users`)."""
    rows = db.session.execute(
        select(User.id, User.name, Department.name_ja, Department.name_en)
        .join(Department, Department.id == User.department_id)
        .where(User.is_active.is_(True), User.role.in_(("operator", "lead")))
        .order_by(User.department_id != actor.department_id, Department.id, User.name)
    ).all()
    return [(i, f"{name} ({en if locale == 'en' else ja})") for i, name, ja, en in rows]
