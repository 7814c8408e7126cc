"""Who is told what: each event reaches the right people, as they chose, and nobody else."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from flask_babel import force_locale

from relq import events
from relq.answers.services import answer_case
from relq.cases.services import transition_case
from relq.db import db, transaction, utcnow
from relq.deadlines.models import CaseDeadline
from relq.escalations.models import Escalation
from relq.notify.messages import describe
from relq.notify.models import NotificationPreference
from relq.routing.services import RuleInput, save_rule
from relq.themes.models import SurgeAlert
from tests.factories import make_case, make_user, planned_date
from tests.notify.conftest import notifications, quiet_case


def _route(case, actor, department, action="route", reason=""):
    transition_case(
        case,
        actor=actor,
        action=action,
        expected_version=case.version,
        department_id=department.id,
        reason=reason,
    )


def _recipients(event):
    return sorted(n.user_id for n in notifications(event=event))


# ---- routed ---------------------------------------------------------------------------------


def test_routing_tells_the_active_leads_of_the_department_and_nobody_else(org):
    second_qa_lead = make_user("lead", org.qa)
    retired_qa_lead = make_user("lead", org.qa)
    retired_qa_lead.is_active = False
    case = make_case(org.operator)
    assert case.status == "received"

    _route(case, org.operator, org.qa)

    assert _recipients("routed") == sorted([org.lead_qa.id, second_qa_lead.id])
    row = notifications(org.lead_qa)[0]
    assert row.case_id == case.id
    assert row.params["department_id"] == org.qa.id
    assert row.params["action"] == "route"
    assert row.read_at is None
    assert row.email_state == "none"  # e-mail is not configured in tests


def test_case_routed_at_intake_is_announced_once(org):
    make_case(org.operator, department=org.qa)
    assert _recipients("routed") == [org.lead_qa.id]


def test_case_routed_by_a_rule_at_intake_is_announced_once(org):
    save_rule(RuleInput("異物は品質保証部へ", org.qa.id, {"words": ["異物"]}), actor=org.admin)
    case = make_case(org.operator, subject="ケーキに異物")
    assert case.status == "routed" and case.responsible_department_id == org.qa.id
    assert _recipients("routed") == [org.lead_qa.id]


def test_reroute_tells_the_new_department_with_the_reason_not_the_actor(org):
    case = make_case(org.operator, department=org.qa)
    _route(case, org.lead_qa, org.logistics, action="reroute", reason="配送中の破損です")

    rows = notifications(event="routed")
    assert [(n.user_id, n.params["action"]) for n in rows] == [
        (org.lead_qa.id, "route"),
        (org.lead_logistics.id, "reroute"),
    ]
    assert rows[1].params["reason"] == "配送中の破損です"


def test_nobody_is_told_of_their_own_routing(org):
    other_cs_lead = make_user("lead", org.cs)
    make_case(org.lead_cs, department=org.cs)
    assert _recipients("routed") == [other_cs_lead.id]


# ---- answered -------------------------------------------------------------------------------


def test_the_operator_who_logged_the_case_hears_each_answer(org):
    case = make_case(org.operator, department=org.qa)
    answer_case(case, actor=org.lead_qa, answer="acknowledged", expected_version=case.version)
    answer_case(
        case,
        actor=org.lead_qa,
        answer="planned",
        expected_version=case.version,
        planned_for=planned_date(),
        body="工場で原因を調査します",
    )
    answer_case(
        case,
        actor=org.lead_qa,
        answer="declined",
        expected_version=case.version,
        body="製造工程に異常はありませんでした",
    )

    rows = notifications(event="answered")
    assert {n.user_id for n in rows} == {org.operator.id}
    assert [n.params["answer"] for n in rows] == ["acknowledged", "planned", "declined"]
    assert rows[1].params["planned_for"] == planned_date().isoformat()
    assert rows[2].params["body"] == "製造工程に異常はありませんでした"
    assert rows[2].params["department_id"] == org.qa.id
    title, body, _url = describe(rows[2])
    assert "品質保証部" in title and case.ref in title
    assert "製造工程に異常はありませんでした" in body


def test_nobody_hears_their_own_answer(org):
    # The contact centre's lead logs a case for their own department, then acknowledges it.
    case = make_case(org.lead_cs, department=org.cs)
    answer_case(case, actor=org.lead_cs, answer="acknowledged", expected_version=case.version)
    assert notifications(event="answered") == []


# ---- deadlines ------------------------------------------------------------------------------


def _deadline(case, department, kind="acknowledge", due_in=timedelta(minutes=30)):
    # The deadlines capability runs its own clocks; this one is set aside (cancelled) so as
    # not to meet them, and announced by hand: the receiver reads only kind, department, due.
    now = utcnow()
    deadline = CaseDeadline(
        case_id=case.id,
        kind=kind,
        department_id=department.id if department else None,
        started_at=now - timedelta(hours=1),
        allowed_minutes=90,
        due_at=now + due_in,
        warn_at=now,
        cancelled_at=now,
    )
    db.session.add(deadline)
    db.session.flush()
    return deadline


def test_deadline_warning_and_miss_reach_the_leads_of_its_department(org):
    case = make_case(org.operator, department=org.qa)
    deadline = _deadline(case, org.qa)
    events.deadline_warned.send(case, deadline=deadline)
    events.deadline_missed.send(case, deadline=deadline)

    assert _recipients("deadline_soon") == [org.lead_qa.id]
    assert _recipients("deadline_missed") == [org.lead_qa.id]
    row = notifications(event="deadline_soon")[0]
    assert row.params["kind"] == "acknowledge"
    assert row.params["due_at"] == deadline.due_at.isoformat()


def test_front_line_deadline_goes_to_the_intake_leads(org):
    case = make_case(org.operator)
    events.deadline_missed.send(case, deadline=_deadline(case, None, kind="first_response"))
    assert _recipients("deadline_missed") == [org.lead_cs.id]


def test_nobody_is_told_about_a_case_they_cannot_see(org):
    # A clock of logistics on a case logistics no longer owns: its lead cannot open the case.
    case = make_case(org.operator, department=org.qa)
    events.deadline_missed.send(case, deadline=_deadline(case, org.logistics))
    assert notifications(event="deadline_missed") == []


# ---- escalations ----------------------------------------------------------------------------


def _escalation(case, reason, level, department, alert=None):
    escalation = Escalation(
        case_id=case.id if case else None,
        surge_alert_id=alert.id if alert else None,
        reason=reason,
        level=level,
        department_id=department.id if department else None,
        detail="発火",
    )
    db.session.add(escalation)
    db.session.flush()
    events.escalation_opened.send(case, escalation=escalation)
    return escalation


def test_management_escalation_reaches_executives_and_the_department_lead(org):
    case = quiet_case(org)
    assert notifications(event="escalation") == []
    escalation = _escalation(case, "safety", 2, org.qa)
    assert _recipients("escalation") == sorted([org.lead_qa.id, org.executive.id])
    row = notifications(org.executive, "escalation")[0]
    assert row.escalation_id == escalation.id and row.case_id == case.id
    assert row.params["reason"] == "safety" and row.params["detail"] == "発火"


def test_department_escalation_reaches_only_the_department_lead(org):
    case = quiet_case(org)
    _escalation(case, "acknowledge_missed", 1, org.qa)
    assert _recipients("escalation") == [org.lead_qa.id]


def test_surge_escalation_without_case_reaches_management(org):
    alert = SurgeAlert(
        key="phrase:電気ケトル",
        label="電気ケトル",
        kind="surge",
        week_end=datetime.date(2026, 11, 22),
        observed=9,
        expected=1.5,
        p_value=0.001,
    )
    db.session.add(alert)
    db.session.flush()
    _escalation(None, "surge", 2, None, alert=alert)
    assert _recipients("escalation") == [org.executive.id]
    title, _body, url = describe(notifications(org.executive)[0])
    assert "C-" not in title


# ---- preferences ----------------------------------------------------------------------------


def _prefer(user, event, in_app, email):
    db.session.add(NotificationPreference(user_id=user.id, event=event, in_app=in_app, email=email))
    db.session.flush()


def test_nothing_wanted_nothing_written(org):
    _prefer(org.lead_qa, "routed", False, False)
    make_case(org.operator, department=org.qa)
    assert notifications(org.lead_qa, "routed") == []


@pytest.mark.parametrize(
    ("in_app", "email", "unread", "state"),
    [(True, True, True, "pending"), (False, True, False, "pending"), (True, False, True, "none")],
)
def test_email_pending_only_for_those_who_want_it(app, org, in_app, email, unread, state):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_QUEUE="off")
    _prefer(org.lead_qa, "routed", in_app, email)
    make_case(org.operator, department=org.qa)
    (row,) = notifications(org.lead_qa, "routed")
    # E-mail only: kept for the record, but nothing new to read in the app.
    assert (row.read_at is None) == unread
    assert row.email_state == state


def test_defaults_apply_without_a_choice(app, org):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_QUEUE="off")
    case = make_case(org.operator, department=org.qa)
    answer_case(case, actor=org.lead_qa, answer="acknowledged", expected_version=case.version)
    # Routed: in the app and by e-mail; answered: in the app only.
    assert notifications(org.lead_qa, "routed")[0].email_state == "pending"
    assert notifications(org.operator, "answered")[0].email_state == "none"


def test_receivers_write_inside_the_senders_transaction(org):
    # A change that fails after the notification was added leaves no notification behind.
    case = make_case(org.operator)
    db.session.commit()
    with pytest.raises(RuntimeError), transaction():
        _route(case, org.operator, org.qa)
        assert len(notifications(org.lead_qa, "routed")) == 1
        raise RuntimeError("boom")
    assert notifications(org.lead_qa, "routed") == []


# ---- wording --------------------------------------------------------------------------------


def test_each_reader_reads_the_same_notification_in_their_language(org):
    english_lead = make_user("lead", org.qa, locale="en")
    case = make_case(org.operator, department=org.qa)
    japanese = notifications(org.lead_qa, "routed")[0]
    english = notifications(english_lead, "routed")[0]
    assert japanese.params == english.params  # data, not words
    with force_locale("ja"):
        ja_title, ja_body, url = describe(japanese)
    with force_locale("en"):
        en_title, en_body, _url = describe(english)
    assert "品質保証部" in ja_title and "Quality Assurance" not in ja_title
    assert en_title == f"{case.ref} was routed to Quality Assurance"
    assert case.subject in ja_body and case.subject in en_body
    assert url.endswith(f"/cases/{case.id}")
