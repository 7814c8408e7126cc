"""Routing rules: kept as data (RoutingRule), evaluated in order, the first match routes.

Rules without tag conditions are applied at intake (plain comparisons and normalised
substring tests: routing adds next to nothing to saving a case); rules with tag conditions
are applied when the case's analysis has suggested its tags. A case a person routed, or one
already past "received", is never moved by a rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from relq import access
from relq.audit.services import record
from relq.cache import cached
from relq.cases.models import Case
from relq.cases.services import apply_transition
from relq.db import db, utcnow
from relq.errors import CodedError
from relq.nlp import normalize
from relq.org.models import Department, User
from relq.routing.models import CONDITIONS, RoutingRule
from relq.tags.services import tag_codes_by_case


class RoutingError(CodedError):
    """A refused change; `code` names why ("not_allowed" answers 403)."""


def rules(*, active_only: bool = False) -> list[RoutingRule]:
    query = select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)
    if active_only:
        query = query.where(RoutingRule.is_active.is_(True))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class ActiveRule:
    """What intake needs of an active rule, kept between requests (see `active_rules`)."""

    id: int
    name: str
    department_id: int
    conditions: dict[str, list]

    def condition(self, name: str) -> list:
        return list(self.conditions.get(name) or [])


@cached("routing", "org")
def active_rules() -> tuple[ActiveRule, ...]:
    """The active rules routing to an active department, in order: read at every intake, so
    kept until a rule or a department changes (relq.cache)."""
    rows = db.session.execute(
        select(RoutingRule.id, RoutingRule.name, RoutingRule.department_id, RoutingRule.conditions)
        .join(Department, Department.id == RoutingRule.department_id)
        .where(RoutingRule.is_active.is_(True), Department.is_active.is_(True))
        .order_by(RoutingRule.position, RoutingRule.id)
    ).all()
    return tuple(ActiveRule(r.id, r.name, r.department_id, dict(r.conditions or {})) for r in rows)


def _voice(case: Case) -> str:
    return normalize(" ".join((case.subject, case.customer_words, case.remedy_requested)))


def rule_match(
    rule: RoutingRule | ActiveRule,
    case: Case,
    tag_codes: set[str] | None,
    *,
    voice: str | None = None,
) -> list[str] | None:
    """The reasons `rule` matches `case` (each condition that holds), or None if it does not.
    `tag_codes` None means the case's tags are not known yet: a tag condition cannot hold.
    `voice`: the case's normalised text, when the caller tries many rules on one case."""
    reasons: list[str] = []
    voice = voice if voice is not None else _voice(case)
    checks = {
        "kinds": lambda values: case.kind in values and case.kind,
        "channels": lambda values: case.channel in values and case.channel,
        "severities": lambda values: (
            case.severity in {int(v) for v in values} and f"severity {case.severity}"
        ),
        "products": lambda values: next(
            (v for v in values if normalize(v) and normalize(v) in normalize(case.product)), None
        ),
        "words": lambda values: next(
            (v for v in values if normalize(v) and normalize(v) in voice), None
        ),
        "tags": lambda values: (
            tag_codes is not None and next((v for v in values if v in tag_codes), None)
        ),
    }
    for name in CONDITIONS:
        values = rule.condition(name)
        if not values:
            continue
        found = checks[name](values)
        if not found:
            return None
        reasons.append(str(found))
    return reasons


def route_by_rules(case: Case, *, tag_codes: set[str] | None = None) -> RoutingRule | None:
    """Route a case still waiting in "received" by the first active rule that matches."""
    if case.status != "received" or case.responsible_department_id is not None:
        return None
    voice = _voice(case)
    for rule in active_rules():
        if tag_codes is None and rule.condition("tags"):
            continue
        reasons = rule_match(rule, case, tag_codes, voice=voice)
        if reasons is None:
            continue
        department = db.session.get(Department, rule.department_id)
        if department is None or not department.is_active:
            continue  # deactivated since the rules were read
        apply_transition(
            case,
            "route",
            actor=None,
            department_id=rule.department_id,
            extra={"rule": rule.name, "because": reasons},
        )
        return rule
    return None


@dataclass
class RuleInput:
    name: str
    department_id: int
    conditions: dict[str, list]
    is_active: bool = True


def _clean(conditions: dict[str, list]) -> dict[str, list]:
    cleaned = {}
    for name in CONDITIONS:
        values = [v.strip() if isinstance(v, str) else v for v in conditions.get(name) or []]
        values = [v for v in values if v not in ("", None)]
        if values:
            cleaned[name] = values
    return cleaned


def save_rule(data: RuleInput, *, actor: User, rule: RoutingRule | None = None) -> RoutingRule:
    """Create (rule None) or change a routing rule. A rule without any condition would take
    every case: refused. Raises RoutingError."""
    if not access.can_manage_org(actor):
        raise RoutingError("not_allowed")
    department = db.session.get(Department, data.department_id)
    if department is None or not department.is_active:
        raise RoutingError("unknown_department")
    conditions = _clean(data.conditions)
    if not conditions:
        raise RoutingError("no_condition")
    if rule is None:
        last = db.session.scalar(select(func.max(RoutingRule.position))) or 0
        rule = RoutingRule(position=last + 1)
        db.session.add(rule)
        action, before = "routing_rule.created", None
    else:
        action = "routing_rule.updated"
        before = {
            "name": rule.name,
            "department_id": rule.department_id,
            "conditions": rule.conditions,
            "is_active": rule.is_active,
        }
    rule.name, rule.department_id = data.name.strip(), data.department_id
    rule.conditions, rule.is_active = conditions, data.is_active
    db.session.flush()
    record(
        action,
        actor=actor,
        entity_type="routing_rule",
        entity_id=rule.id,
        before=before,
        after={
            "name": rule.name,
            "department_id": rule.department_id,
            "conditions": conditions,
            "is_active": rule.is_active,
        },
    )
    return rule


def move_rule(rule: RoutingRule, *, actor: User, direction: int) -> None:
    """Swap the rule with its neighbour above (-1) or below (+1)."""
    if not access.can_manage_org(actor):
        raise RoutingError("not_allowed")
    ordered = rules()
    index = ordered.index(rule)
    other_index = index + direction
    if not 0 <= other_index < len(ordered):
        return
    other = ordered[other_index]
    # Positions are renumbered so that ties (equal positions) cannot hide the swap.
    for position, item in enumerate(ordered):
        item.position = position
    rule.position, other.position = other.position, rule.position
    db.session.flush()
    record(
        "routing_rule.moved",
        actor=actor,
        entity_type="routing_rule",
        entity_id=rule.id,
        after={"position": rule.position},
    )


@dataclass
class DryRunMatch:
    case: Case
    reasons: list[str]
    routed_to: Department | None


def dry_run(
    conditions: dict[str, list], *, user: User, days: int = 90, limit: int = 50
) -> tuple[int, int, list[DryRunMatch]]:
    """Which cases of the last `days` the conditions would have matched (nothing is saved).
    Returns (matched, examined, the first `limit` matches, newest first)."""
    probe = RoutingRule(name="dry run", conditions=_clean(conditions), department_id=0)
    cases = list(
        db.session.scalars(
            access.visible_cases(user)
            .where(Case.received_at >= utcnow() - timedelta(days=days))
            .order_by(Case.received_at.desc())
        )
    )
    tags = tag_codes_by_case([c.id for c in cases]) if probe.condition("tags") else {}
    matches = []
    for case in cases:
        reasons = rule_match(probe, case, tags.get(case.id, set()))
        if reasons is not None:
            matches.append(DryRunMatch(case, reasons, case.responsible_department))
    return len(matches), len(cases), matches[:limit]
