"""Deadline clocks: started, met, paused and cancelled as the case moves (relq.deadlines.events
calls `apply_clock_rules` and `meet`), stamped warned and missed by `tick`, and read back per
case (`deadlines_of`, `clock_status`); attainment is in relq.deadlines.attainment. Services
flush and never commit; the caller's `transaction()` does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from relq import access, events
from relq.audit.services import apply_changes
from relq.cache import cached
from relq.cases.models import Case
from relq.db import db
from relq.deadlines.calendar import (
    add_business_minutes,
    business_minutes_between,
    extend_by_pause,
    shift,
)
from relq.deadlines.models import (
    DEADLINE_KINDS,
    DEFAULT_POLICIES,
    CaseDeadline,
    DeadlinePolicy,
    PolicyMinutes,
)
from relq.errors import CodedError
from relq.org.models import User

# ---- policies --------------------------------------------------------------------------------


class PolicyError(CodedError):
    """A refused policy change; `code` names the reason (the view words it)."""


@cached("deadlines")
def policies() -> dict[int, PolicyMinutes]:
    """The policy in force per severity: the admin's row, or the default when it is missing.
    Every intake reads it, an admin rarely changes it: kept until it changes (relq.cache)."""
    rows = {p.severity: p.minutes for p in db.session.scalars(select(DeadlinePolicy))}
    return {severity: rows.get(severity, default) for severity, default in DEFAULT_POLICIES.items()}


def policy_for(severity: int) -> PolicyMinutes:
    return policies().get(severity, DEFAULT_POLICIES[3])


def update_policy(severity: int, minutes: PolicyMinutes, *, actor: User) -> DeadlinePolicy:
    """Set the deadlines of one severity (for clocks started from now on). Raises PolicyError:
    not_allowed, unknown_severity, not_positive, warn_too_long (the warning must come before
    the shortest deadline starts), resolution_too_short (before the first response or the
    acknowledgement)."""
    if not access.can_manage_deadline_policies(actor):
        raise PolicyError("not_allowed")
    if severity not in DEFAULT_POLICIES:
        raise PolicyError("unknown_severity")
    if min(minutes.acknowledge, minutes.first_response, minutes.resolution) <= 0:
        raise PolicyError("not_positive")
    if not 0 <= minutes.warn < min(minutes.acknowledge, minutes.first_response):
        raise PolicyError("warn_too_long")
    if minutes.resolution < max(minutes.acknowledge, minutes.first_response):
        raise PolicyError("resolution_too_short")
    policy = db.session.get(DeadlinePolicy, severity)
    if policy is None:
        # The row was never seeded (or was removed): materialise the default, then change it,
        # so that the audit event shows what the change replaced.
        default = DEFAULT_POLICIES[severity]
        policy = DeadlinePolicy(
            severity=severity,
            acknowledge_minutes=default.acknowledge,
            first_response_minutes=default.first_response,
            resolution_minutes=default.resolution,
            warn_minutes=default.warn,
        )
        db.session.add(policy)
        db.session.flush()
    apply_changes(
        policy,
        {
            "acknowledge_minutes": minutes.acknowledge,
            "first_response_minutes": minutes.first_response,
            "resolution_minutes": minutes.resolution,
            "warn_minutes": minutes.warn,
        },
        action="deadline_policy.updated",
        actor=actor,
        entity_type="deadline_policy",
    )
    return policy


# ---- clocks ----------------------------------------------------------------------------------

ALL = "*"
START, MEET, CANCEL, PAUSE, RESUME, FOLLOW = "start", "meet", "cancel", "pause", "resume", "follow"

# What each lifecycle action does to the case's clocks, in order: (operation, kind or ALL).
# Routing gives the new department a fresh acknowledgement clock (the old one, if any, no
# longer counts against anyone) and moves the resolution clock to it; the owner's four
# answers all acknowledge; waiting for the customer stops every clock until they reply.
# The first response is the customer's, not a department's: it is met when someone tells the
# customer something — a note of the kind "response to the customer" (deadlines/events.py),
# the front line asking the customer and waiting for their reply, or resolving the case with
# them. A department's 受領, 対応予定 or 対応済 is an answer to the front line and meets it not.
CLOCK_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "route": ((CANCEL, "acknowledge"), (START, "acknowledge"), (FOLLOW, "resolution")),
    "reroute": ((CANCEL, "acknowledge"), (START, "acknowledge"), (FOLLOW, "resolution")),
    "acknowledge": ((MEET, "acknowledge"),),
    "plan": ((MEET, "acknowledge"),),
    "decline": ((MEET, "acknowledge"),),
    "complete": ((MEET, "acknowledge"), (MEET, "resolution")),
    "resolve": ((MEET, "resolution"), (MEET, "first_response")),
    "await_customer": ((MEET, "first_response"), (PAUSE, ALL)),
    "customer_replied": ((RESUME, ALL),),
    "reopen": ((START, "resolution"),),
    "close": ((CANCEL, ALL),),
}
KIND_ORDER = tuple(DEADLINE_KINDS)


def _open_clocks(case_id: int) -> dict[str, CaseDeadline]:
    clocks = db.session.scalars(
        select(CaseDeadline).where(
            CaseDeadline.case_id == case_id,
            CaseDeadline.met_at.is_(None),
            CaseDeadline.cancelled_at.is_(None),
        )
    )
    return {clock.kind: clock for clock in clocks}


def _warn_moment(started_at: datetime, due_at: datetime, warn_minutes: int) -> datetime:
    warn_at = add_business_minutes(due_at, -warn_minutes) if warn_minutes else due_at
    return min(max(warn_at, started_at), due_at)


def _new_clock(
    case: Case, kind: str, *, started_at: datetime, department_id: int | None
) -> CaseDeadline:
    """A clock of `kind` from `started_at` with the policy of the case's severity (added to the
    session; the caller has made sure none of that kind is running)."""
    policy = policy_for(case.severity)
    allowed = getattr(policy, kind)
    due_at = add_business_minutes(started_at, allowed)
    clock = CaseDeadline(
        case_id=case.id,
        kind=kind,
        department_id=department_id,
        started_at=started_at,
        allowed_minutes=allowed,
        due_at=due_at,
        warn_at=_warn_moment(started_at, due_at, policy.warn),
    )
    db.session.add(clock)
    return clock


def _resume(clock: CaseDeadline, now: datetime) -> None:
    """Give the clock back the working time it spent paused."""
    if clock.paused_at is None:
        return
    clock.due_at = extend_by_pause(clock.due_at, clock.paused_at, now)
    clock.warn_at = extend_by_pause(clock.warn_at, clock.paused_at, now)
    clock.paused_at = None


def _meet(clock: CaseDeadline, now: datetime) -> None:
    _resume(clock, now)  # judged against the deadline its pauses earned it
    clock.met_at = now


def _cancel(clock: CaseDeadline, now: datetime) -> None:
    _resume(clock, now)
    clock.cancelled_at = now


def _pause(clock: CaseDeadline, now: datetime) -> None:
    if clock.paused_at is None:
        clock.paused_at = now


def apply_clock_rules(case: Case, action: str, *, now: datetime) -> None:
    """Do to `case`'s clocks what CLOCK_RULES says for the lifecycle `action`."""
    rules = CLOCK_RULES.get(action)
    if not rules:
        return
    clocks = _open_clocks(case.id)
    for operation, kind in rules:
        if operation == START:
            if kind not in clocks:
                # A clock cancelled just before must leave the "one open clock per kind"
                # index before its successor is inserted.
                db.session.flush()
                clocks[kind] = _new_clock(
                    case, kind, started_at=now, department_id=case.responsible_department_id
                )
            continue
        targets = list(clocks.values()) if kind == ALL else [clocks[kind]] if kind in clocks else []
        for clock in targets:
            if operation == MEET:
                _meet(clock, now)
                del clocks[clock.kind]
            elif operation == CANCEL:
                _cancel(clock, now)
                del clocks[clock.kind]
            elif operation == PAUSE:
                _pause(clock, now)
            elif operation == RESUME:
                _resume(clock, now)
            elif operation == FOLLOW:
                clock.department_id = case.responsible_department_id
    db.session.flush()


def start_case_clocks(case: Case, *, now: datetime, routed: bool | None = None) -> None:
    """A new case: the front line's first response and the resolution run from the customer's
    contact; the owner's acknowledgement from now if the case was routed as it was logged
    (`routed`: whether it was, when the case's status says more than that, as in the demo)."""

    starts = [
        ("first_response", case.received_at, None),
        ("resolution", case.received_at, case.responsible_department_id),
    ]
    if case.status == "routed" if routed is None else routed:
        starts.append(("acknowledge", now, case.responsible_department_id))
    for kind, started_at, department_id in starts:  # a case being logged has no clock yet
        _new_clock(case, kind, started_at=started_at, department_id=department_id)
    # Not flushed here: they go in with the intake's next statement, in one batch.


def meet(case: Case, kind: str, *, now: datetime) -> CaseDeadline | None:
    clock = _open_clocks(case.id).get(kind)
    if clock is not None:
        _meet(clock, now)
        db.session.flush()
    return clock


def reschedule(case: Case, *, now: datetime) -> None:
    """The severity changed: give the open clocks the new policy's time from when they started
    (keeping what pauses added), and let tick warn or miss them afresh if that moved them."""
    policy = policy_for(case.severity)
    for clock in _open_clocks(case.id).values():
        allowed = getattr(policy, clock.kind)
        clock.due_at = shift(clock.due_at, allowed - clock.allowed_minutes)
        clock.allowed_minutes = allowed
        clock.warn_at = _warn_moment(clock.started_at, clock.due_at, policy.warn)
        if clock.due_at > now:
            clock.missed_at = None
        if clock.warn_at > now:
            clock.warned_at = None
    db.session.flush()


# ---- tick ------------------------------------------------------------------------------------

_SIGNAL_BATCH = 500


def tick(now: datetime) -> dict[str, int]:
    """Stamp `missed_at` on the open, running clocks past due and `warned_at` on those past
    their warning time, in two set-based UPDATEs over the partial indexes, and announce each
    newly stamped clock (events.deadline_missed / deadline_warned, sender the case). A clock
    found already past due is stamped warned too but announced only as missed: a "due soon"
    after the fact is noise. Idempotent: a second call stamps and sends nothing."""
    running = (
        CaseDeadline.met_at.is_(None),
        CaseDeadline.cancelled_at.is_(None),
        CaseDeadline.paused_at.is_(None),
    )
    missed = db.session.scalars(
        update(CaseDeadline)
        .where(*running, CaseDeadline.missed_at.is_(None), CaseDeadline.due_at <= now)
        .values(missed_at=now)
        .returning(CaseDeadline.id),
        execution_options={"synchronize_session": False},
    ).all()
    warned = db.session.scalars(
        update(CaseDeadline)
        .where(*running, CaseDeadline.warned_at.is_(None), CaseDeadline.warn_at <= now)
        .values(warned_at=now)
        .returning(CaseDeadline.id),
        execution_options={"synchronize_session": False},
    ).all()
    missed_set = set(missed)
    warned_only = [i for i in warned if i not in missed_set]
    _announce(sorted(missed), events.deadline_missed)
    _announce(sorted(warned_only), events.deadline_warned)
    return {"missed": len(missed), "warned": len(warned_only)}


def _announce(ids: list[int], signal) -> None:
    if not ids or not signal.receivers:
        return
    for start in range(0, len(ids), _SIGNAL_BATCH):
        clocks = db.session.scalars(
            select(CaseDeadline)
            .where(CaseDeadline.id.in_(ids[start : start + _SIGNAL_BATCH]))
            .options(joinedload(CaseDeadline.case))
            .order_by(CaseDeadline.due_at, CaseDeadline.id)
            .execution_options(populate_existing=True)
        ).all()
        for clock in clocks:
            signal.send(clock.case, deadline=clock)


# ---- reading ---------------------------------------------------------------------------------


def deadlines_of(case_ids, *, open_only: bool = False) -> dict[int, list[CaseDeadline]]:
    """The clocks of each case (every id given has an entry), acknowledgement first, then
    first response, then resolution, oldest first within a kind. The caller has already
    scoped `case_ids` (through visible_cases)."""
    ids = list(dict.fromkeys(case_ids))
    found: dict[int, list[CaseDeadline]] = {case_id: [] for case_id in ids}
    if not ids:
        return found
    query = (
        select(CaseDeadline)
        .where(CaseDeadline.case_id.in_(ids))
        .options(joinedload(CaseDeadline.department))
    )
    if open_only:
        query = query.where(CaseDeadline.met_at.is_(None), CaseDeadline.cancelled_at.is_(None))
    for clock in db.session.scalars(query.order_by(CaseDeadline.started_at, CaseDeadline.id)):
        found[clock.case_id].append(clock)
    for clocks in found.values():
        clocks.sort(key=lambda c: KIND_ORDER.index(c.kind))  # stable: keeps oldest first
    return found


@dataclass(frozen=True)
class ClockStatus:
    """How a clock stands: `state` is running, paused, overdue, met, late or cancelled;
    `minutes` the business minutes left (running, paused), past due (overdue) or late by."""

    state: str
    minutes: int


def clock_status(clock: CaseDeadline, now: datetime) -> ClockStatus:
    if clock.cancelled_at is not None:
        return ClockStatus("cancelled", 0)
    if clock.met_at is not None:
        if clock.met_at <= clock.due_at:
            return ClockStatus("met", 0)
        return ClockStatus("late", business_minutes_between(clock.due_at, clock.met_at))
    if clock.paused_at is not None:
        # Frozen where the pause found it.
        left = business_minutes_between(clock.paused_at, clock.due_at)
        return ClockStatus("paused", left)
    if clock.due_at < now:
        return ClockStatus("overdue", business_minutes_between(clock.due_at, now))
    return ClockStatus("running", business_minutes_between(now, clock.due_at))
