"""Each trigger raises one escalation (and only one); management decides and closes them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from relq import events
from relq.audit.models import AuditEvent
from relq.cases.services import CustomerInput, add_note, update_case
from relq.db import db, transaction, utcnow
from relq.deadlines.models import CaseDeadline
from relq.escalations.models import Escalation, EscalationComment
from relq.escalations.services import EscalationError, close_escalation, raise_escalation, tick
from relq.escalations.triggers import safety_words_in
from relq.themes.models import SurgeAlert
from tests.factories import make_case

CALM = {
    "subject": "ポイントの付与について",
    "customer_words": "先月のポイントがまだ付いていないようです。",
    "remedy_requested": "確認してほしい",
}


def _reasons(case):
    return sorted(
        db.session.scalars(sa.select(Escalation.reason).where(Escalation.case_id == case.id))
    )


def test_a_calm_case_raises_nothing(org):
    with transaction():
        case = make_case(org.operator, department=org.qa, **CALM)
    assert _reasons(case) == []


def test_severity_one_at_intake_and_on_edit(org):
    with transaction():
        critical = make_case(org.operator, department=org.qa, severity=1, **CALM)
        later = make_case(org.operator, department=org.qa, **CALM)
    assert _reasons(critical) == ["severity"]
    escalation = db.session.scalar(sa.select(Escalation).where(Escalation.case_id == critical.id))
    assert (escalation.level, escalation.department_id) == (2, org.qa.id)
    with transaction():
        update_case(
            later, actor=org.operator, changes={"severity": 1}, expected_version=later.version
        )
    with transaction():  # editing again raises nothing new
        update_case(
            later, actor=org.operator, changes={"product": "x"}, expected_version=later.version
        )
    assert _reasons(later) == ["severity"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("ケトルから煙が出て、子供がﾔｹﾄﾞしました", ["煙", "ヤケド"]),
        ("The kettle caught FIRE and my son was injured", ["fire", "injured"]),
        ("パンに異物（金属片）が入っていた", ["異物"]),
        ("The staff were fired up and helpful; hospitality was great", []),
        ("配送が遅れています", []),
    ],
)
def test_safety_words_japanese_and_english(text, words):
    assert safety_words_in(text) == words


def test_safety_word_raises_a_product_safety_escalation(org):
    with transaction():
        case = make_case(
            org.operator, department=org.qa, subject="電気ケトル", customer_words="本体から煙が出た"
        )
        calm = make_case(org.operator, department=org.qa, **CALM)
    assert _reasons(case) == ["safety"]
    escalation = db.session.scalar(sa.select(Escalation).where(Escalation.case_id == case.id))
    assert escalation.detail == "煙" and escalation.level == 2
    with transaction():  # the front line notices it later, in an observation
        add_note(
            calm, actor=org.operator, kind="observation", body="お子様が軽いやけどをしたとのこと"
        )
    assert _reasons(calm) == ["safety"]


def test_repeat_customer_raises_once_per_customer(org):
    customer = CustomerInput(name="山田 太郎", phone="090-1234-5678")
    cases = []
    for days_ago in (20, 10, 1, 0):
        with transaction():
            cases.append(
                make_case(
                    org.operator,
                    department=org.qa,
                    customer=customer,
                    received_at=utcnow() - timedelta(days=days_ago, hours=1),
                    **CALM,
                )
            )
    assert [_reasons(c) for c in cases] == [[], [], ["repeat_customer"], []]
    escalation = db.session.scalar(
        sa.select(Escalation).where(Escalation.reason == "repeat_customer")
    )
    assert escalation.detail == "3" and escalation.level == 1


def _missed(case, kind):
    """The case's running clock of `kind`, stamped missed as tick would."""
    clock = db.session.scalar(
        sa.select(CaseDeadline).where(
            CaseDeadline.case_id == case.id,
            CaseDeadline.kind == kind,
            CaseDeadline.met_at.is_(None),
        )
    )
    clock.missed_at = utcnow()
    db.session.flush()
    return clock


def test_harassment_deadline_and_surge_signals_raise_theirs(org):
    with transaction():
        case = make_case(org.operator, department=org.qa, **CALM)
        events.harassment_flagged.send(case, actor=org.operator, report=None)
        events.deadline_missed.send(case, deadline=_missed(case, "acknowledge"))
        events.deadline_missed.send(case, deadline=_missed(case, "first_response"))
        alert = SurgeAlert(
            key="phrase:ロック",
            label="ロック",
            kind="surge",
            week_end=utcnow().date(),
            observed=7,
            expected=0.5,
            p_value=0.0001,
            case_ids=[case.id],
        )
        db.session.add(alert)
        db.session.flush()
        events.surge_recorded.send(None, alert=alert)
        events.surge_recorded.send(None, alert=alert)  # twice: still one
    assert _reasons(case) == ["acknowledge_missed", "harassment"]
    surge = db.session.scalars(sa.select(Escalation).where(Escalation.reason == "surge")).all()
    assert len(surge) == 1 and surge[0].surge_alert_id == alert.id and surge[0].case_id is None


def test_raising_twice_is_a_no_op(org):
    with transaction():
        case = make_case(org.operator, department=org.qa, **CALM)
        first = raise_escalation(case, "repeat_customer", detail="3")
        second = raise_escalation(case, "repeat_customer", detail="3")
    assert first is not None and second is None
    opened = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "escalation.opened")
    )
    assert opened == 1


def test_executive_decides_and_closes(org, login_as):
    with transaction():
        case = make_case(org.operator, department=org.qa, severity=1, **CALM)
    escalation = db.session.scalar(sa.select(Escalation).where(Escalation.case_id == case.id))
    url = f"/escalations/{escalation.id}"
    lead = login_as(org.lead_qa)  # level 2: management decides, the lead may only comment
    assert (
        lead.post(
            f"{url}/close", {"outcome": "resolved", "decision": "x"}, token_from=url
        ).status_code
        == 403
    )
    assert (
        lead.post(f"{url}/comment", {"body": "原因を調査中です"}, token_from=url).status_code == 302
    )
    executive = login_as(org.executive)
    empty = executive.post(
        f"{url}/close", {"outcome": "action_ordered", "decision": ""}, token_from=url
    )
    assert empty.status_code == 422
    db.session.expire_all()
    assert db.session.get(Escalation, escalation.id).closed_at is None
    closed = executive.post(
        f"{url}/close",
        {"outcome": "action_ordered", "decision": "全ロットの出荷を停止し、回収を検討する"},
        token_from=url,
    )
    assert closed.status_code == 302
    db.session.expire_all()
    escalation = db.session.get(Escalation, escalation.id)
    assert (escalation.outcome, escalation.closed_by_id) == ("action_ordered", org.executive.id)
    assert escalation.decision == "全ロットの出荷を停止し、回収を検討する"
    comments = db.session.scalars(
        sa.select(EscalationComment).where(EscalationComment.escalation_id == escalation.id)
    ).all()
    assert [c.is_decision for c in comments] == [False, True]
    page = executive.get(url).get_data(as_text=True)
    assert "全ロットの出荷を停止し、回収を検討する" in page
    with pytest.raises(EscalationError):  # closed stays closed
        close_escalation(escalation, actor=org.executive, outcome="resolved", decision="again")


def test_board_scope_and_order(org, login_as):
    with transaction():
        qa_case = make_case(org.operator, department=org.qa, severity=1, **CALM)
        logistics_case = make_case(org.operator, department=org.logistics, **CALM)
        department_level = raise_escalation(logistics_case, "repeat_customer", detail="3")
    board = login_as(org.executive).get("/escalations/").get_data(as_text=True)
    assert qa_case.ref in board and logistics_case.ref in board
    # management first: the level-2 row comes before the level-1 row
    assert board.index(qa_case.ref) < board.index(logistics_case.ref)
    qa_board = login_as(org.lead_qa).get("/escalations/").get_data(as_text=True)
    assert qa_case.ref in qa_board and logistics_case.ref not in qa_board
    assert login_as(org.lead_qa).get(f"/escalations/{department_level.id}").status_code == 404


def test_tick_raises_stale_department_escalations_once(org):
    with transaction():
        case = make_case(org.operator, department=org.qa, **CALM)
        escalation = raise_escalation(case, "repeat_customer", now=utcnow() - timedelta(days=4))
    with transaction():
        assert tick(utcnow()) == {"raised_to_management": 1}
    with transaction():
        assert tick(utcnow()) == {"raised_to_management": 0}
    assert db.session.get(Escalation, escalation.id).level == 2
