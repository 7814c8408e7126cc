"""Every (status, action) pair: legal ones move the case and leave one audit event; illegal
ones are refused, change nothing and leave no event."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from relq.answers.services import answer_case
from relq.audit.models import AuditEvent
from relq.cases.models import FRONT_LINE, STATUSES, TRANSITIONS
from relq.cases.services import IllegalTransition, MissingInput, NotAllowed, transition_case
from relq.db import db
from tests.factories import make_case, planned_date
from tests.factories import transition as lifecycle_step

PAIRS = [(status, action) for status in STATUSES for action in TRANSITIONS]


def _case_in(org, status):
    # "received" has no department; every other status is reached through qa.
    department = None if status == "received" else org.qa
    return make_case(org.operator, department=department, status=status)


def _actor_for(org, action):
    return org.operator if FRONT_LINE in TRANSITIONS[action].sides else org.lead_qa


def _events(case):
    return db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)
    ).all()


@pytest.mark.parametrize(("status", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_transition_table(org, status, action):
    case = _case_in(org, status)
    assert case.status == status
    transition = TRANSITIONS[action]
    before_events = _events(case)
    kwargs = {"reason": "お客様から再度連絡があったため"} if transition.needs_reason else {}
    if transition.needs_date:
        kwargs["planned_for"] = planned_date()
    if transition.needs_department:
        kwargs["department_id"] = org.logistics.id
    call = lambda: lifecycle_step(  # noqa: E731
        case,
        actor=_actor_for(org, action),
        action=action,
        expected_version=case.version,
        **kwargs,
    )
    if status in transition.sources:
        call()
        assert case.status == transition.target
        assert _events(case) == [*before_events, f"case.{action}"]
        event = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.case_id == case.id)
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event.before["status"] == status
        assert event.after["status"] == transition.target
    else:
        with pytest.raises(IllegalTransition):
            call()
        assert case.status == status
        assert _events(case) == before_events


def test_owner_only_steps_refuse_the_front_line(org):
    case = make_case(org.operator, department=org.qa)
    with pytest.raises(NotAllowed):
        answer_case(case, actor=org.operator, answer="acknowledged", expected_version=case.version)
    with pytest.raises(NotAllowed):
        answer_case(case, actor=org.lead_cs, answer="acknowledged", expected_version=case.version)
    answer_case(case, actor=org.lead_qa, answer="acknowledged", expected_version=case.version)
    assert case.status == "acknowledged"


@pytest.mark.parametrize("who", ["lead_logistics", "executive", "admin"])
def test_outsiders_cannot_move_a_case(org, who):
    case = make_case(org.operator, department=org.qa)
    for action in ("acknowledge", "reroute", "await_customer"):
        with pytest.raises((NotAllowed, IllegalTransition)):
            lifecycle_step(
                case,
                actor=getattr(org, who),
                action=action,
                expected_version=case.version,
                department_id=org.logistics.id,
                reason="x",
            )
    assert case.status == "routed"


def test_route_needs_an_active_other_department(org):
    case = make_case(org.operator)
    with pytest.raises(MissingInput):
        transition_case(case, actor=org.operator, action="route", expected_version=case.version)
    routed = make_case(org.operator, department=org.qa)
    with pytest.raises(MissingInput):  # rerouting to where it already is
        transition_case(
            routed,
            actor=org.lead_qa,
            action="reroute",
            expected_version=routed.version,
            department_id=org.qa.id,
            reason="違う部署",
        )


def test_reroute_and_reopen_need_a_reason(org):
    case = make_case(org.operator, department=org.qa)
    with pytest.raises(MissingInput):
        transition_case(
            case,
            actor=org.lead_qa,
            action="reroute",
            expected_version=case.version,
            department_id=org.logistics.id,
            reason="  ",
        )
    assert case.responsible_department_id == org.qa.id
    closed = make_case(org.operator, department=org.qa, status="closed")
    with pytest.raises(MissingInput):
        transition_case(
            closed, actor=org.operator, action="reopen", expected_version=closed.version
        )
    transition_case(
        closed, actor=org.operator, action="reopen", expected_version=closed.version, reason="再発"
    )
    assert closed.status == "in_progress"


def test_reroute_hands_the_case_to_the_new_owner(org):
    from relq import access

    case = make_case(org.operator, department=org.qa)
    transition_case(
        case,
        actor=org.lead_qa,
        action="reroute",
        expected_version=case.version,
        department_id=org.logistics.id,
        reason="配送起因のため",
    )
    assert access.can_transition(org.lead_logistics, case, "acknowledge")
    assert not access.can_transition(org.lead_qa, case, "acknowledge")


def test_database_refuses_a_routed_case_without_department(org):
    case = make_case(org.operator, department=org.qa)
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            sa.text("UPDATE cases SET responsible_department_id = NULL WHERE id = :id"),
            {"id": case.id},
        )
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            sa.text("UPDATE cases SET status = 'lost' WHERE id = :id"), {"id": case.id}
        )
    db.session.rollback()
