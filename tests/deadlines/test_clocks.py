"""Each clock rule, through the real case services on a real database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from relq.cases.services import add_note, update_case
from relq.db import db
from relq.deadlines.calendar import add_business_minutes, business_minutes_between
from relq.deadlines.models import DEFAULT_POLICIES, CaseDeadline
from relq.deadlines.services import apply_clock_rules, policy_for
from relq.routing.services import RuleInput, save_rule
from tests.deadlines.conftest import jst
from tests.factories import make_case, planned_date, transition


def all_clocks(case) -> list[CaseDeadline]:
    db.session.flush()
    return list(
        db.session.scalars(
            select(CaseDeadline).where(CaseDeadline.case_id == case.id).order_by(CaseDeadline.id)
        )
    )


def open_clocks(case) -> dict[str, CaseDeadline]:
    return {c.kind: c for c in all_clocks(case) if c.met_at is None and c.cancelled_at is None}


def move(case, actor, action, **kwargs):
    return transition(case, actor=actor, action=action, expected_version=case.version, **kwargs)


RECEIVED = (2026, 11, 18, 9, 30)  # Wednesday


def test_the_policies_are_seeded_or_fall_back_to_the_defaults(app, session):
    for severity, minutes in DEFAULT_POLICIES.items():
        assert policy_for(severity) == minutes


def test_a_new_case_runs_first_response_and_resolution_from_the_contact(org, clock, session):
    clock.set(2026, 11, 18, 10, 0)
    case = make_case(org.operator, received_at=jst(*RECEIVED), severity=2)
    clocks = open_clocks(case)
    assert set(clocks) == {"first_response", "resolution"}
    policy = DEFAULT_POLICIES[2]
    first = clocks["first_response"]
    assert first.started_at == jst(*RECEIVED)
    assert first.department_id is None
    assert first.allowed_minutes == policy.first_response == 240
    assert first.due_at == jst(2026, 11, 18, 13, 30)
    assert first.warn_at == jst(2026, 11, 18, 12, 30)  # the policy warns 60 min before
    resolution = clocks["resolution"]
    assert resolution.department_id is None  # not routed yet
    assert resolution.due_at == add_business_minutes(jst(*RECEIVED), policy.resolution)


def test_a_case_routed_at_intake_also_runs_the_owners_acknowledgement(org, clock, session):
    clock.set(2026, 11, 18, 10, 0)
    case = make_case(org.operator, department=org.qa, received_at=jst(*RECEIVED), severity=1)
    clocks = open_clocks(case)
    assert set(clocks) == {"acknowledge", "first_response", "resolution"}
    assert clocks["acknowledge"].department_id == org.qa.id
    assert clocks["acknowledge"].started_at == clock.now  # routed now, not at the contact
    assert clocks["acknowledge"].due_at == jst(2026, 11, 18, 11, 0)
    assert clocks["resolution"].department_id == org.qa.id


def test_a_case_routed_by_a_rule_gets_one_acknowledgement_clock(org, clock, session):
    # The rule routes inside create_case, before case_created is announced.
    save_rule(RuleInput("異物は品質保証部へ", org.qa.id, {"words": ["異物"]}), actor=org.admin)
    case = make_case(org.operator, received_at=jst(*RECEIVED), subject="パスタに異物")
    assert case.status == "routed"
    acknowledgements = [c for c in all_clocks(case) if c.kind == "acknowledge"]
    assert len(acknowledgements) == 1
    assert acknowledgements[0].department_id == org.qa.id
    assert open_clocks(case)["resolution"].department_id == org.qa.id


def test_routing_later_starts_acknowledgement_and_moves_resolution(org, clock, session):
    case = make_case(org.operator, received_at=jst(*RECEIVED))
    clock.set(2026, 11, 18, 15, 0)
    move(case, org.operator, "route", department_id=org.qa.id)
    clocks = open_clocks(case)
    assert clocks["acknowledge"].started_at == clock.now
    assert clocks["acknowledge"].department_id == org.qa.id
    assert clocks["resolution"].department_id == org.qa.id
    assert clocks["resolution"].started_at == jst(*RECEIVED)  # the customer still waits since


def test_rerouting_cancels_the_old_acknowledgement_and_starts_a_new_one(org, clock, session):
    case = make_case(org.operator, department=org.qa, received_at=jst(*RECEIVED))
    first = open_clocks(case)["acknowledge"]
    clock.set(2026, 11, 18, 16, 0)
    move(case, org.lead_qa, "reroute", department_id=org.logistics.id, reason="物流の問題")
    session.refresh(first)
    assert first.cancelled_at == clock.now and first.met_at is None
    clocks = open_clocks(case)
    assert clocks["acknowledge"].id != first.id
    assert clocks["acknowledge"].department_id == org.logistics.id
    assert clocks["acknowledge"].started_at == clock.now
    assert clocks["resolution"].department_id == org.logistics.id


@pytest.mark.parametrize(
    ("action", "extra"),
    [
        ("acknowledge", {}),
        ("plan", {"planned_for": planned_date()}),
        ("decline", {"reason": "当部の担当ではありません"}),
        ("complete", {"reason": "交換品を発送しました"}),
    ],
)
def test_each_answer_of_the_owner_meets_the_acknowledgement(org, clock, session, action, extra):
    case = make_case(org.operator, department=org.qa, received_at=jst(*RECEIVED))
    clock.set(2026, 11, 18, 10, 20)
    move(case, org.lead_qa, action, **extra)
    acknowledgement = next(c for c in all_clocks(case) if c.kind == "acknowledge")
    assert acknowledgement.met_at == clock.now
    assert acknowledgement.met_at <= acknowledgement.due_at


@pytest.mark.parametrize(
    ("action", "extra"),
    [
        ("acknowledge", {}),
        ("plan", {"planned_for": planned_date()}),
        ("complete", {"reason": "交換品を発送しました"}),
    ],
)
def test_no_answer_of_a_department_is_the_first_response_to_the_customer(
    org, clock, session, action, extra
):
    """受領, 対応予定 and 対応済 answer the front line; the customer has heard nothing yet."""
    case = make_case(org.operator, department=org.qa, received_at=jst(*RECEIVED))
    clock.set(2026, 11, 19, 11, 0)
    move(case, org.lead_qa, action, **extra)
    assert "first_response" in open_clocks(case)


def test_completing_meets_the_resolution(org, clock, session):
    case = make_case(org.operator, department=org.qa, received_at=jst(*RECEIVED))
    clock.set(2026, 11, 19, 11, 0)
    move(case, org.lead_qa, "complete", reason="交換品を発送しました")
    met = {c.kind: c.met_at for c in all_clocks(case) if c.met_at}
    assert met == {k: clock.now for k in ("acknowledge", "resolution")}


def test_asking_the_customer_is_a_first_response(org, clock, session):
    case = make_case(org.operator, received_at=jst(*RECEIVED))
    clock.set(2026, 11, 18, 10, 45)
    move(case, org.operator, "await_customer")
    first = next(c for c in all_clocks(case) if c.kind == "first_response")
    assert first.met_at == clock.now


def test_the_front_line_resolving_meets_resolution_and_first_response(org, clock, session):
    case = make_case(org.operator, received_at=jst(*RECEIVED))
    clock.set(2026, 11, 18, 11, 0)
    move(case, org.operator, "resolve")
    assert open_clocks(case) == {}
    assert {c.kind for c in all_clocks(case)} == {"first_response", "resolution"}


def test_a_response_note_meets_the_first_response_and_other_notes_do_not(org, clock, session):
    case = make_case(org.operator, received_at=jst(*RECEIVED))
    clock.set(2026, 11, 18, 10, 30)
    add_note(case, actor=org.operator, kind="internal", body="折り返し予定")
    assert "first_response" in open_clocks(case)
    clock.set(2026, 11, 18, 11, 0)
    add_note(case, actor=org.operator, kind="response", body="お詫びとご説明をしました")
    first = next(c for c in all_clocks(case) if c.kind == "first_response")
    assert first.met_at == clock.now
    assert "resolution" in open_clocks(case)


def test_reopening_starts_a_new_resolution_clock(org, clock, session):
    case = make_case(org.operator, department=org.qa, received_at=jst(*RECEIVED))
    move(case, org.lead_qa, "complete", reason="交換品を発送しました")
    clock.set(2026, 11, 20, 10, 0)
    move(case, org.operator, "reopen", reason="まだ届いていないとのこと")
    resolutions = [c for c in all_clocks(case) if c.kind == "resolution"]
    assert len(resolutions) == 2
    assert resolutions[0].met_at is not None
    assert resolutions[1].is_open and resolutions[1].started_at == clock.now
    assert resolutions[1].department_id == org.qa.id


def test_closing_cancels_what_is_still_open(org, clock, session):
    case = make_case(org.operator, received_at=jst(*RECEIVED))
    clock.set(2026, 11, 18, 12, 0)
    apply_clock_rules(case, "close", now=clock.now)
    assert open_clocks(case) == {}
    assert all(c.cancelled_at == clock.now for c in all_clocks(case))


def test_waiting_for_the_customer_pauses_and_the_reply_pushes_the_deadline(org, clock, session):
    clock.set(2026, 11, 20, 9, 40)
    case = make_case(
        org.operator,
        department=org.qa,
        status="in_progress",
        received_at=jst(2026, 11, 20, 9, 30),
    )
    before = {k: (c.due_at, c.warn_at) for k, c in open_clocks(case).items()}
    assert set(before) == {"first_response", "resolution"}
    # One business day (severity 3) from Friday 9:30, the Monday a holiday.
    assert before["first_response"][0] == jst(2026, 11, 24, 9, 30)
    # Friday 16:00 → Tuesday 11:00, over the weekend and the Monday holiday: 4 business hours.
    paused_at = clock.set(2026, 11, 20, 16, 0)
    move(case, org.lead_qa, "await_customer")
    # Asking the customer answered them first; the rest waits for their reply.
    assert set(open_clocks(case)) == {"resolution"}
    assert {c.paused_at for c in open_clocks(case).values()} == {paused_at}
    clock.set(2026, 11, 24, 11, 0)
    move(case, org.operator, "customer_replied")
    resolution = open_clocks(case)["resolution"]
    due, warn = before["resolution"]
    assert resolution.paused_at is None
    assert business_minutes_between(due, resolution.due_at) == 240
    assert resolution.due_at == add_business_minutes(due, 240)
    assert business_minutes_between(warn, resolution.warn_at) == 240


def test_a_clock_met_while_paused_is_judged_against_its_extended_deadline(org, clock, session):
    clock.set(2026, 11, 18, 9, 30)
    case = make_case(
        org.operator,
        department=org.qa,
        status="in_progress",
        received_at=jst(*RECEIVED),
        severity=1,
    )
    due = open_clocks(case)["resolution"].due_at
    clock.set(2026, 11, 18, 10, 30)
    move(case, org.lead_qa, "await_customer")
    clock.set(2026, 11, 18, 14, 0)  # the customer took 3.5 hours; the owner completes
    move(case, org.lead_qa, "complete", reason="ご説明で納得いただきました")
    resolution = next(c for c in all_clocks(case) if c.kind == "resolution")
    assert resolution.paused_at is None
    assert resolution.due_at == add_business_minutes(due, 210)
    assert resolution.is_met_on_time


def test_a_new_severity_recomputes_the_open_deadlines(org, clock, session):
    clock.set(2026, 11, 18, 10, 0)
    case = make_case(org.operator, department=org.qa, received_at=jst(*RECEIVED), severity=4)
    ack = open_clocks(case)["acknowledge"]
    assert ack.due_at == add_business_minutes(clock.now, DEFAULT_POLICIES[4].acknowledge)
    update_case(case, actor=org.operator, changes={"severity": 1}, expected_version=case.version)
    clocks = open_clocks(case)
    policy = DEFAULT_POLICIES[1]
    for kind, c in clocks.items():
        assert c.allowed_minutes == getattr(policy, kind)
        assert c.due_at == add_business_minutes(c.started_at, getattr(policy, kind)), kind
        assert c.warn_at == add_business_minutes(c.due_at, -policy.warn)


def test_a_new_severity_keeps_the_time_a_pause_added(org, clock, session):
    clock.set(2026, 11, 18, 9, 30)
    case = make_case(
        org.operator, department=org.qa, status="in_progress", received_at=jst(*RECEIVED)
    )
    clock.set(2026, 11, 18, 10, 0)
    move(case, org.operator, "await_customer")
    clock.set(2026, 11, 18, 11, 0)
    move(case, org.operator, "customer_replied")  # one business hour paused
    update_case(case, actor=org.operator, changes={"severity": 2}, expected_version=case.version)
    resolution = open_clocks(case)["resolution"]
    assert business_minutes_between(resolution.started_at, resolution.due_at) == (
        DEFAULT_POLICIES[2].resolution + 60
    )


def test_a_missing_policy_row_falls_back_to_the_default(org, session):
    from relq.deadlines.models import DeadlinePolicy
    from relq.deadlines.services import PolicyMinutes, update_policy

    if session.get_bind().dialect.name == "sqlite":
        # The migration seeded the defaults (PostgreSQL tests start from truncated tables).
        assert session.scalar(select(DeadlinePolicy).where(DeadlinePolicy.severity == 4))
    session.execute(DeadlinePolicy.__table__.delete())
    session.info.pop("transaction_cache", None)
    assert policy_for(4) == DEFAULT_POLICIES[4]
    changed = PolicyMinutes(acknowledge=600, first_response=600, resolution=9000, warn=60)
    update_policy(4, changed, actor=org.admin)
    assert policy_for(4) == changed
    assert session.get(DeadlinePolicy, 4).minutes == changed
