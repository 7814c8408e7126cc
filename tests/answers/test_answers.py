"""The owner's four answers (受領 / 対応予定 / 対応済 / 対応しない), the lead's inbox, and the
loop back: the operator who logged the case reads the answer."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from relq.answers.models import DepartmentAnswer
from relq.answers.services import answer_case
from relq.audit.models import AuditEvent
from relq.cases.services import MissingInput, NotAllowed, transition_case
from relq.db import db, transaction
from relq.errors import Invalid
from tests.factories import make_case, planned_date, transition

ANSWER_OF = {
    "acknowledge": ("acknowledged", "acknowledged", {}),
    "plan": ("planned", "in_progress", {"planned_for": planned_date()}),
    "complete": ("done", "resolved", {"reason": "代替品を発送し、原因を説明しました"}),
    "decline": ("declined", "received", {"reason": "保証期間外のため交換には応じられません"}),
}


def _routed(org, **fields):
    with transaction():
        case = make_case(org.operator, department=org.qa, **fields)
    return case


@pytest.mark.parametrize("action", ANSWER_OF)
def test_each_answer_is_recorded_with_its_status(org, action):
    answer, status, kwargs = ANSWER_OF[action]
    case = _routed(org)
    with transaction():
        transition(case, actor=org.lead_qa, action=action, expected_version=case.version, **kwargs)
    row = db.session.scalar(sa.select(DepartmentAnswer).where(DepartmentAnswer.case_id == case.id))
    assert (row.answer, row.department_id, row.answered_by_id) == (
        answer,
        org.qa.id,
        org.lead_qa.id,
    )
    assert row.planned_for == kwargs.get("planned_for")
    assert row.body == kwargs.get("reason", "")
    assert case.status == status
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.case_id == case.id, AuditEvent.action == f"case.{action}"
        )
    )
    assert event.actor_id == org.lead_qa.id


@pytest.mark.parametrize(
    ("action", "missing"), [("plan", "planned_for"), ("complete", "reason"), ("decline", "reason")]
)
def test_answers_need_their_date_or_words(org, action, missing):
    case = _routed(org)
    with pytest.raises(MissingInput) as error:
        transition(case, actor=org.lead_qa, action=action, expected_version=case.version)
    assert error.value.field_name == missing
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(DepartmentAnswer.id))) == 0


def test_only_the_owner_answers(org):
    case = _routed(org)
    for who in (org.operator, org.lead_cs):
        with pytest.raises(NotAllowed):
            answer_case(case, actor=who, answer="acknowledged", expected_version=case.version)


def test_declined_case_returns_to_the_front_line_who_can_route_it_elsewhere(org):
    case = _routed(org)
    with transaction():
        answer_case(
            case,
            actor=org.lead_qa,
            answer="declined",
            expected_version=case.version,
            body="物流部の担当です",
        )
    assert case.status == "received"
    with transaction():
        transition_case(
            case,
            actor=org.operator,
            action="route",
            expected_version=case.version,
            department_id=org.logistics.id,
        )
    assert (case.status, case.responsible_department_id) == ("routed", org.logistics.id)


def test_operator_reads_the_answer_on_the_case_and_in_the_feed(org, login_as):
    case = _routed(org, subject="ケトルの蓋が閉まらない")
    other = None
    with transaction():
        other = make_case(org.operator2, department=org.qa, subject="別の人の案件")
        answer_case(
            case,
            actor=org.lead_qa,
            answer="declined",
            expected_version=case.version,
            body="仕様どおりの動作です <b>",
        )
        answer_case(other, actor=org.lead_qa, answer="acknowledged", expected_version=other.version)
    operator = login_as(org.operator)
    page = operator.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="department-answer"' in page
    assert "対応しない" in page
    assert "仕様どおりの動作です &lt;b&gt;" in page  # escaped
    feed = operator.get("/inbox/answers").get_data(as_text=True)
    assert case.ref in feed and other.ref not in feed  # "cases I logged"
    everything = operator.get("/inbox/answers?scope=all").get_data(as_text=True)
    assert case.ref in everything and other.ref in everything


def test_the_lead_answers_from_the_case_page(org, login_as):
    case = _routed(org)
    lead = login_as(org.lead_qa)
    refused = lead.post(
        f"/cases/{case.id}/transition",
        {"action": "plan", "version": case.version},
        token_from=f"/cases/{case.id}",
    )
    assert refused.status_code == 422
    assert "flash-error" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(DepartmentAnswer.id))) == 0
    done = lead.post(
        f"/cases/{case.id}/transition",
        {"action": "plan", "version": case.version, "planned_for": planned_date().isoformat()},
        token_from=f"/cases/{case.id}",
    )
    assert done.status_code == 302
    db.session.expire_all()
    row = db.session.scalar(sa.select(DepartmentAnswer).where(DepartmentAnswer.case_id == case.id))
    assert (row.answer, row.planned_for) == ("planned", planned_date())


def test_inbox_holds_what_waits_for_the_department(org, login_as):
    waiting = _routed(org, subject="待っている案件")
    taken = _routed(org, subject="受領済みの案件")
    with transaction():
        elsewhere = make_case(org.operator, department=org.logistics, subject="物流の案件")
        answer_case(taken, actor=org.lead_qa, answer="acknowledged", expected_version=taken.version)
    lead = login_as(org.lead_qa)
    inbox = lead.get("/inbox/").get_data(as_text=True)
    assert waiting.ref in inbox and taken.ref not in inbox and elsewhere.ref not in inbox
    assert 'data-testid="badge-answers.index">1<' in inbox
    working = lead.get("/inbox/?view=working").get_data(as_text=True)
    assert taken.ref in working and waiting.ref not in working
    answered = lead.get("/inbox/?view=answered").get_data(as_text=True)
    assert taken.ref in answered
    other = login_as(org.lead_logistics).get("/inbox/").get_data(as_text=True)
    assert elsewhere.ref in other and waiting.ref not in other


def test_a_planned_date_in_the_past_is_refused_and_nothing_changes(org, login_as):
    case = _routed(org)
    with pytest.raises(MissingInput) as error, transaction():
        answer_case(
            case,
            actor=org.lead_qa,
            answer="planned",
            expected_version=case.version,
            planned_for=planned_date(days=-2),
        )
    assert error.value.field_name == "planned_for_past"
    db.session.rollback()
    assert db.session.get(type(case), case.id).status == "routed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DepartmentAnswer)) == 0
    # Through the case page: the lead is told, with a 422, and the case stays as it was.
    lead = login_as(org.lead_qa)
    response = lead.post(
        f"/cases/{case.id}/transition",
        {"action": "plan", "version": case.version, "planned_for": planned_date(-2).isoformat()},
        token_from=f"/cases/{case.id}",
    )
    assert response.status_code == 422
    assert "過去" in response.get_data(as_text=True)
    # Today is fine (the office's today).
    with transaction():
        answer_case(
            db.session.get(type(case), case.id),
            actor=org.lead_qa,
            answer="planned",
            expected_version=case.version,
            planned_for=planned_date(days=0),
        )


def test_the_generic_lifecycle_refuses_answers_they_have_their_use_case(org):
    case = _routed(org)
    with pytest.raises(Invalid):
        transition_case(
            case, actor=org.lead_qa, action="acknowledge", expected_version=case.version
        )


def test_the_lead_acknowledges_from_the_inbox_in_one_click(org, login_as):
    case = _routed(org)
    lead = login_as(org.lead_qa)
    inbox = lead.get("/inbox/").get_data(as_text=True)
    assert f'data-testid="acknowledge-{case.id}"' in inbox
    response = lead.post(
        f"/inbox/{case.id}/answer",
        {"answer": "acknowledged", "version": case.version, "back": "inbox"},
        token_from="/inbox/",
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/inbox/")
    db.session.rollback()
    assert db.session.get(type(case), case.id).status == "acknowledged"
    row = db.session.scalar(sa.select(DepartmentAnswer).where(DepartmentAnswer.case_id == case.id))
    assert (row.answer, row.answered_by_id) == ("acknowledged", org.lead_qa.id)
    # A second click (a stale page) changes nothing and says so.
    again = lead.post(
        f"/inbox/{case.id}/answer",
        {"answer": "acknowledged", "version": case.version, "back": "inbox"},
        token_from="/inbox/",
    )
    assert again.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DepartmentAnswer)) == 1
    assert "受領" in lead.get("/inbox/").get_data(as_text=True)


def test_each_planned_date_shows_on_the_timeline(org, login_as):
    case = _routed(org)
    first, second = planned_date(3), planned_date(10)
    for when in (first, second):  # planned, then planned again for a later date
        with transaction():
            case = db.session.get(type(case), case.id)
            answer_case(
                case,
                actor=org.lead_qa,
                answer="planned",
                expected_version=case.version,
                planned_for=when,
            )
    page = login_as(org.operator).get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"{first.isoformat()} までに対応予定" in page
    assert f"{second.isoformat()} までに対応予定" in page


def test_the_leads_case_page_groups_the_steps_and_starts_an_internal_note(org, login_as):
    """One-click steps are buttons; steps that need a date, a reason or a department open on
    demand; a lead's note starts as an internal note, an operator's as an observation."""
    import re

    case = _routed(org)
    page = login_as(org.lead_qa).get(f"/cases/{case.id}").get_data(as_text=True)
    quick = page.split('class="quick-steps"', 1)[1].split("</div>", 1)[0]
    assert 'data-testid="transition-acknowledge"' in quick
    for step in ("plan", "complete", "decline"):
        assert f'data-testid="step-{step}"' in page and f"transition-{step}" not in quick
    assert re.search(r'<option value="internal" selected>', page)
    operator_page = login_as(org.operator).get(f"/cases/{case.id}").get_data(as_text=True)
    assert re.search(r'<option value="observation" selected>', operator_page)
    # The planned date cannot be picked before today; a refused step comes back open.
    assert re.search(r'id="date-plan" min="\d{4}-\d\d-\d\d"', page)
    refused = login_as(org.lead_qa).post(
        f"/cases/{case.id}/transition",
        {"action": "plan", "version": case.version, "planned_for": planned_date(-2).isoformat()},
        token_from=f"/cases/{case.id}",
    )
    assert refused.status_code == 422
    assert re.search(r'data-testid="step-plan" open', refused.get_data(as_text=True))
