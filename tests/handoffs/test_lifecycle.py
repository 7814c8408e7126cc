"""Handoffs between departments: every path of the lifecycle, its refusals, and the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from relq.audit.models import AuditEvent
from relq.db import db, transaction
from relq.errors import Conflict, Invalid, NotAllowed, NotFound
from relq.handoffs.models import Handoff, HandoffMessage
from relq.handoffs.services import (
    HandoffConflict,
    confirm_handoff,
    get_handoff_or_404,
    hops_of,
    inbox,
    inbox_counts,
    post_message,
    request_handoff,
    set_policy,
    take_step,
    tick,
)
from tests.factories import make_case

JST = ZoneInfo("Asia/Tokyo")


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST).astimezone(UTC)


WEDNESDAY = jst(2026, 11, 18, 10, 0)


def _ask(org, *, case=None, now=WEDNESDAY, **kwargs):
    return request_handoff(
        actor=kwargs.pop("actor", org.operator),
        provider_department_id=kwargs.pop("provider", org.qa).id,
        ask=kwargs.pop("ask", "同ロットの検査結果を教えてください"),
        why=kwargs.pop("why", "お客様が原因の説明を待っています"),
        case=case,
        now=now,
        **kwargs,
    )


def _step(handoff, actor, action, now, body=""):
    return take_step(
        handoff, actor=actor, action=action, expected_version=handoff.version, body=body, now=now
    )


def test_ask_accept_answer_send_back_answer_confirm(org):
    case = make_case(org.operator, department=org.qa)
    handoff = _ask(org, case=case)
    # Two working days from Wednesday 10:00: Friday 10:00.
    assert handoff.status == "requested" and handoff.due_at == jst(2026, 11, 20, 10, 0)

    _step(handoff, org.lead_qa, "accept", jst(2026, 11, 18, 11, 30))
    assert handoff.status == "accepted" and handoff.accept_minutes == 90
    _step(handoff, org.lead_qa, "answer", jst(2026, 11, 19, 10, 0), "ロットは正常でした")
    _step(handoff, org.operator, "send_back", jst(2026, 11, 19, 11, 0), "検査日も必要です")
    assert (handoff.status, handoff.bounces) == ("accepted", 1)
    # Answered again after the weekend and Monday's holiday (勤労感謝の日 on Monday 23rd).
    _step(handoff, org.lead_qa, "answer", jst(2026, 11, 24, 10, 0), "検査日は11月10日です")
    confirm_handoff(
        handoff,
        actor=org.operator,
        expected_version=handoff.version,
        usefulness=5,
        speed=3,
        comment="助かりました",
        thanks="迅速なご確認ありがとうございました",
        now=jst(2026, 11, 24, 11, 0),
    )
    db.session.commit()

    assert handoff.status == "confirmed" and handoff.closed_at == jst(2026, 11, 24, 11, 0)
    assert (handoff.usefulness, handoff.speed) == (5, 3)
    # Wednesday 10:00 -> Tuesday 10:00 over Thursday, Friday (the weekend and the holiday
    # do not count): three working days; answered after Friday's due time.
    assert handoff.turnaround_minutes == 3 * 540 and handoff.answered_late is True
    kinds = [m.kind for m in db.session.scalars(sa.select(HandoffMessage).order_by("id"))]
    assert kinds == ["answer", "send_back", "answer", "confirm"]
    # Every step is a hop on the case's timeline.
    hops = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)
    ).all()
    assert [h for h in hops if h.startswith("handoff.")] == [
        "handoff.requested",
        "handoff.accept",
        "handoff.answer",
        "handoff.send_back",
        "handoff.answer",
        "handoff.confirm",
    ]
    assert hops_of(case, org.operator) == [handoff]


def test_decline_with_reason_then_nothing_more(org):
    handoff = _ask(org)
    with pytest.raises(Invalid):
        _step(handoff, org.lead_qa, "decline", WEDNESDAY, "")  # the reason is required
    _step(handoff, org.lead_qa, "decline", WEDNESDAY, "当部ではなく物流部の所管です")
    assert handoff.status == "declined" and handoff.closed_at == WEDNESDAY
    with pytest.raises(HandoffConflict):
        _step(handoff, org.lead_qa, "accept", WEDNESDAY)
    with pytest.raises(Conflict):
        post_message(handoff, actor=org.operator, body="再考をお願いします")


def test_cancel_by_the_asking_side_while_not_answered(org):
    handoff = _ask(org)
    with pytest.raises(NotAllowed):
        _step(handoff, org.lead_qa, "cancel", WEDNESDAY)  # not the asking side
    _step(handoff, org.operator2, "cancel", WEDNESDAY)  # anyone of the asking department
    assert handoff.status == "cancelled"
    answered = _ask(org)
    _step(answered, org.lead_qa, "answer", WEDNESDAY, "回答します")
    with pytest.raises(HandoffConflict):
        _step(answered, org.operator, "cancel", WEDNESDAY)


def test_two_people_answering_at_once_conflict(org):
    handoff = _ask(org)
    db.session.commit()
    version = handoff.version
    take_step(handoff, actor=org.lead_qa, action="answer", expected_version=version, body="一つ目")
    with pytest.raises(HandoffConflict):
        take_step(
            handoff, actor=org.lead_qa, action="answer", expected_version=version, body="二つ目"
        )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"provider": "cs"}, "to_itself"),
        ({"ask": "   "}, "ask"),
        ({"ask": "あ" * 2001}, "ask"),
        ({"due_at": jst(2026, 11, 17, 10, 0)}, "due_in_past"),
        ({"provider_user_id": "lead_logistics"}, "provider_user"),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_saved(org, change, code):
    if "provider" in change:
        change["provider"] = getattr(org, change["provider"])
    if "provider_user_id" in change:
        change["provider_user_id"] = getattr(org, change["provider_user_id"]).id
    with pytest.raises(Invalid) as refused, transaction():
        _ask(org, **change)
    assert refused.value.code == code
    assert db.session.scalar(sa.select(sa.func.count(Handoff.id))) == 0


def test_ratings_out_of_range_are_refused(org):
    handoff = _ask(org)
    _step(handoff, org.lead_qa, "answer", WEDNESDAY, "回答")
    for usefulness, speed in ((0, 3), (6, 3), (3, 0), (3, 6)):
        with pytest.raises(Invalid):
            confirm_handoff(
                handoff,
                actor=org.operator,
                expected_version=handoff.version,
                usefulness=usefulness,
                speed=speed,
            )
    assert handoff.status == "answered"


def test_who_sees_a_handoff(org):
    case = make_case(org.operator, department=org.qa)
    on_case = _ask(org, case=case)
    between = _ask(org, actor=org.lead_qa, provider=org.logistics, ask="出荷記録をください")
    db.session.commit()
    assert get_handoff_or_404(on_case.id, org.lead_qa) is on_case  # providing side
    assert get_handoff_or_404(on_case.id, org.operator2) is on_case  # asking department
    assert get_handoff_or_404(between.id, org.executive) is between  # management reads all
    for outsider in (org.lead_logistics, org.admin):
        with pytest.raises(NotFound):
            get_handoff_or_404(on_case.id, outsider)
    # The front line sees the hops on its case, not other departments' own requests.
    with pytest.raises(NotFound):
        get_handoff_or_404(between.id, org.operator)
    with pytest.raises(NotAllowed):
        _step(on_case, org.executive, "accept", WEDNESDAY)  # reading is not acting


def test_inboxes_put_overdue_first_and_count(org):
    late = _ask(org, now=jst(2026, 11, 2, 10, 0))
    fresh = _ask(org, now=WEDNESDAY)
    mine = _ask(org, actor=org.lead_qa, provider=org.logistics)
    db.session.commit()
    assert db.session.scalars(inbox(org.lead_qa, "incoming")).all() == [late, fresh]
    assert db.session.scalars(inbox(org.lead_qa, "outgoing")).all() == [mine]
    counts = inbox_counts(org.lead_qa, now=WEDNESDAY)
    assert counts == {"incoming": 2, "outgoing": 1, "overdue": 1, "to_confirm": 0}


def test_the_clock_marks_overdue_then_stalled_once(org):
    set_policy(
        actor=org.admin,
        requester_id=org.cs.id,
        provider_id=org.qa.id,
        due_minutes=540,
        grace_minutes=540,
    )
    handoff = _ask(org)  # due Thursday 10:00, stalled after Friday 10:00
    db.session.commit()
    assert handoff.due_at == jst(2026, 11, 19, 10, 0)
    assert tick(jst(2026, 11, 19, 9, 0)) == {"overdue": 0, "stalled": 0}
    assert tick(jst(2026, 11, 19, 11, 0)) == {"overdue": 1, "stalled": 0}
    assert tick(jst(2026, 11, 19, 12, 0)) == {"overdue": 0, "stalled": 0}
    assert tick(jst(2026, 11, 20, 11, 0)) == {"overdue": 0, "stalled": 1}
    assert tick(jst(2026, 11, 24, 11, 0)) == {"overdue": 0, "stalled": 0}
    assert handoff.stalled_at == jst(2026, 11, 20, 11, 0)
    with pytest.raises(NotAllowed):
        set_policy(
            actor=org.lead_qa,
            requester_id=org.cs.id,
            provider_id=org.qa.id,
            due_minutes=60,
            grace_minutes=0,
        )
