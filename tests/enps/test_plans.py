"""Action plans: a lead writes their own department's plans for a closed round, executives and
admins read them all, every change is audited, and the next round shows each plan beside the
change in the department's score, through the anonymity gate (a small group stays hidden)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import insert, select

from relq.audit.models import AuditEvent
from relq.db import db
from relq.enps import plans
from relq.enps.models import ActionPlan, SurveyResponse, SurveyRound, new_response_id
from relq.errors import Conflict, Invalid, NotAllowed
from tests.factories import make_department, make_user

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def make_round(org, name, start, *, status="closed"):
    survey_round = SurveyRound(
        name=name,
        kind="census",
        status=status,
        period_start=start,
        period_end=date(start.year, start.month, 28),
        created_by_id=org.admin.id,
    )
    db.session.add(survey_round)
    db.session.flush()
    return survey_round


def answers(survey_round, department, scores, reason=""):
    db.session.execute(
        insert(SurveyResponse),
        [
            {
                "id": new_response_id(),
                "round_id": survey_round.id,
                "department_id": department.id,
                "score": s,
                "reason": reason,
                "source": "import",
            }
            for s in scores
        ],
    )
    db.session.flush()


@pytest.fixture
def two_rounds(org):
    """Spring: QA -20 (10 answers), logistics -40 (10); autumn: QA +10, customer contact 12
    answers, logistics and sales 3 each: hidden (together 6, so the gate can show the others)."""
    spring = make_round(org, "2026年 春", date(2026, 4, 1))
    autumn = make_round(org, "2026年 秋", date(2026, 10, 1))
    answers(spring, org.qa, [9, 9, 7, 7, 7, 7, 3, 3, 3, 3])  # 20 - 40 = -20
    answers(spring, org.logistics, [9, 7, 7, 7, 3, 3, 3, 3, 3, 8])  # 10 - 50 = -40
    answers(autumn, org.qa, [9, 9, 9, 7, 7, 7, 7, 3, 3, 8])  # 30 - 20 = +10
    answers(autumn, org.logistics, [3, 3, 9])
    answers(autumn, make_department("sales", "営業部", "Sales"), [9, 9, 3])
    answers(autumn, org.cs, [8] * 12)
    db.session.commit()
    return spring, autumn


def plan(org, survey_round, department, lead, **fields):
    values = {"issue": "評価の基準がわかりにくい", "measure": "評価面談を四半期ごとに行う"} | fields
    created = plans.create_plan(lead, survey_round, department, **values)
    db.session.commit()
    return created


# ---- services -------------------------------------------------------------------------------


def test_a_lead_writes_their_departments_plan_and_it_is_audited(org, two_rounds):
    spring, _autumn = two_rounds
    created = plan(
        org, spring, org.qa, org.lead_qa, owner_id=org.lead_qa.id, due_on=date(2026, 9, 30)
    )
    assert (created.department_id, created.round_id, created.status) == (
        org.qa.id,
        spring.id,
        "planned",
    )
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == plans.CREATED)).one()
    assert event.actor_id == org.lead_qa.id and event.entity_id == created.id
    assert event.after["measure"] == "評価面談を四半期ごとに行う"

    changed = plans.update_plan(
        org.lead_qa,
        created,
        issue=created.issue,
        measure=created.measure,
        owner_id=created.owner_id,
        due_on=created.due_on,
        status="in_progress",
    )
    db.session.commit()
    assert changed == {"status": "in_progress"}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == plans.UPDATED)).one()
    assert event.before == {"status": "planned"} and event.after == {"status": "in_progress"}


def test_only_the_departments_own_lead_writes(org, two_rounds):
    spring, _autumn = two_rounds
    for user in (org.lead_logistics, org.executive, org.admin, org.operator):
        with pytest.raises(NotAllowed):
            plans.create_plan(user, spring, org.qa, issue="x", measure="y")
    created = plan(org, spring, org.qa, org.lead_qa)
    with pytest.raises(NotAllowed):
        plans.update_plan(
            org.lead_logistics,
            created,
            issue="x",
            measure="y",
            owner_id=None,
            due_on=None,
            status="done",
        )


def test_the_owner_is_one_of_the_departments_active_people(org, two_rounds):
    spring, _autumn = two_rounds
    with pytest.raises(Invalid) as error:
        plans.create_plan(
            org.lead_qa, spring, org.qa, issue="x", measure="y", owner_id=org.lead_logistics.id
        )
    assert error.value.code == "owner"
    leaver = make_user("lead", org.qa, name="退職 済")
    leaver.is_active = False
    db.session.flush()
    with pytest.raises(Invalid):
        plans.create_plan(org.lead_qa, spring, org.qa, issue="x", measure="y", owner_id=leaver.id)
    assert {u.id for u in plans.owners_for(org.qa.id)} == {org.lead_qa.id, org.executive.id}


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"issue": ""}, "issue"),
        ({"measure": "   "}, "measure"),
        ({"measure": "x" * (plans.MEASURE_MAX + 1)}, "measure"),
        ({"issue": "a\x00b"}, "issue"),
        ({"status": "forgotten"}, "status"),
        ({"due_on": date(1999, 12, 31)}, "due_on"),
    ],
)
def test_bad_values_are_refused_by_name(org, two_rounds, fields, code):
    spring, _autumn = two_rounds
    values = {"issue": "課題", "measure": "施策"} | fields
    with pytest.raises(Invalid) as error:
        plans.create_plan(org.lead_qa, spring, org.qa, **values)
    assert error.value.code == code


def test_plans_wait_for_the_round_to_close(org):
    running = make_round(org, "2027年 春", date(2027, 4, 1), status="open")
    with pytest.raises(Conflict):
        plans.create_plan(org.lead_qa, running, org.qa, issue="x", measure="y")


def test_the_next_round_shows_each_plan_beside_the_change(org, two_rounds):
    spring, autumn = two_rounds
    qa_plan = plan(org, spring, org.qa, org.lead_qa)
    plan(org, spring, org.logistics, org.lead_logistics, measure="人員を二名増やす")
    follow = plans.follow_up(autumn, org.qa.id)
    assert follow.previous.id == spring.id and [p.id for p in follow.plans] == [qa_plan.id]
    assert follow.change.before.enps == -20 and follow.change.after.enps == 10
    assert follow.change.delta == 30
    # Logistics had 3 answers in autumn: hidden, and no change is computed from it.
    hidden = plans.follow_up(autumn, org.logistics.id)
    assert not hidden.change.after.shown and hidden.change.delta is None
    assert plans.follow_up(spring, org.qa.id) is None  # nothing before spring

    rows = {r.department.id: r for r in plans.overview(autumn)}
    assert rows[org.qa.id].change.delta == 30
    assert rows[org.logistics.id].change.delta is None
    assert rows[org.cs.id].change.before is None  # no answers in spring


# ---- pages ----------------------------------------------------------------------------------


def _post(client, path, data):
    token = CSRF.search(client.get(path).get_data(as_text=True)).group(1)
    return client.post(path, {**data, "csrf_token": token}, csrf=False)


def test_the_lead_writes_a_plan_on_the_page(org, login_as, two_rounds):
    spring, _autumn = two_rounds
    lead = login_as(org.lead_qa)
    assert (
        lead.get("/enps/plans/")
        .headers["Location"]
        .endswith(f"/enps/plans/rounds/{_autumn.id}/departments/{org.qa.id}")
    )
    path = f"/enps/plans/rounds/{spring.id}/departments/{org.qa.id}"
    token = CSRF.search(lead.get(path).get_data(as_text=True)).group(1)
    response = lead.post(
        f"{path}/new",
        {
            "issue": "部署間の連携",
            "measure": "週次の合同ミーティング",
            "owner_id": str(org.lead_qa.id),
            "due_on": "2026-09-30",
            "status": "planned",
            "csrf_token": token,
        },
        csrf=False,
    )
    assert response.status_code == 302
    saved = db.session.scalars(select(ActionPlan)).one()
    assert saved.measure == "週次の合同ミーティング" and saved.owner_id == org.lead_qa.id
    page = lead.get(path).get_data(as_text=True)
    assert "週次の合同ミーティング" in page and 'data-testid="plan-form"' in page

    refused = lead.post(
        f"{path}/new",
        {"issue": "", "measure": "x", "status": "planned", "csrf_token": token},
        csrf=False,
    )
    assert refused.status_code == 422 and 'data-testid="plan-form"' in refused.get_data(
        as_text=True
    )
    edit = f"/enps/plans/items/{saved.id}"
    changed = _post(
        lead,
        edit,
        {"issue": saved.issue, "measure": saved.measure, "owner_id": "0", "status": "done"},
    )
    assert changed.status_code == 302
    db.session.expire_all()
    assert db.session.get(ActionPlan, saved.id).status == "done"


def test_who_reads_which_plans_page(org, login_as, two_rounds):
    spring, autumn = two_rounds
    qa_page = f"/enps/plans/rounds/{spring.id}/departments/{org.qa.id}"
    assert login_as(org.lead_logistics).get(qa_page).status_code == 403
    assert login_as(org.operator).get(qa_page).status_code == 403
    executive = login_as(org.executive)
    page = executive.get(qa_page).get_data(as_text=True)
    assert 'data-testid="plan-form"' not in page  # executives read, leads write
    other_lead = login_as(org.lead_logistics)
    logistics_page = f"/enps/plans/rounds/{spring.id}/departments/{org.logistics.id}"
    token = CSRF.search(other_lead.get(logistics_page).get_data(as_text=True)).group(1)
    fields = {"issue": "x", "measure": "y", "status": "planned", "csrf_token": token}
    assert other_lead.post(f"{logistics_page}/new", fields, csrf=False).status_code == 302
    # Another department's lead cannot add to QA's plans.
    assert other_lead.post(f"{qa_page}/new", fields, csrf=False).status_code == 403
    logistics_plan = db.session.scalars(select(ActionPlan)).one()
    assert login_as(org.lead_qa).get(f"/enps/plans/items/{logistics_plan.id}").status_code == 404
    assert login_as(org.lead_qa).get("/enps/plans/items/2147483647").status_code == 404
    assert login_as(org.lead_qa).get(f"/enps/plans/rounds/{autumn.id}").status_code == 403
    assert executive.get(f"/enps/plans/rounds/{autumn.id}").status_code == 200
    assert login_as(org.admin).get(f"/enps/plans/rounds/{autumn.id}").status_code == 200


def test_the_overview_and_the_follow_up_show_changes_and_suppression(org, login_as, two_rounds):
    spring, autumn = two_rounds
    plan(org, spring, org.qa, org.lead_qa, measure="評価面談を四半期ごとに行う")
    plan(org, spring, org.logistics, org.lead_logistics, measure="人員を二名増やす")
    executive = login_as(org.executive)
    page = executive.get(f"/enps/plans/rounds/{autumn.id}").get_data(as_text=True)
    qa_row = re.search(rf'data-testid="overview-{org.qa.id}">(.*?)</tr>', page, re.S).group(1)
    assert "-20.0" in qa_row and "+10.0" in qa_row and "+30.0" in qa_row
    logistics_row = re.search(
        rf'data-testid="overview-{org.logistics.id}">(.*?)</tr>', page, re.S
    ).group(1)
    assert (
        'data-testid="enps-suppressed"' in logistics_row
        and "+" not in logistics_row.split("enps-suppressed")[1].split("</td>")[1]
    )
    assert 'data-testid="overview-chart"' in page and "<svg" in page

    follow = (
        login_as(org.lead_qa)
        .get(f"/enps/plans/rounds/{autumn.id}/departments/{org.qa.id}")
        .get_data(as_text=True)
    )
    section = follow.split('data-testid="follow-up"')[1]
    assert "評価面談を四半期ごとに行う" in section and "+30.0" in section
    assert "人員を二名増やす" not in follow  # another department's plan


def test_the_pages_read_in_english_too(org, login_as, two_rounds):
    spring, autumn = two_rounds
    plan(org, spring, org.qa, org.lead_qa)
    reader = make_user("executive", org.qa, name="Jane Reader", locale="en")
    db.session.commit()
    english = login_as(reader)
    overview = english.get(f"/enps/plans/rounds/{autumn.id}").get_data(as_text=True)
    assert "Action plans of every department" in overview and "% promoters" in overview
    department = english.get(f"/enps/plans/rounds/{autumn.id}/departments/{org.qa.id}")
    assert "What was decided after" in department.get_data(as_text=True)
    japanese = login_as(org.executive).get(f"/enps/plans/rounds/{autumn.id}").get_data(as_text=True)
    assert "全部署のアクションプラン" in japanese and "推奨者（9〜10）の割合" in japanese


def test_the_audit_trail_words_a_plans_status(org, login_as, two_rounds):
    spring, _autumn = two_rounds
    created = plan(org, spring, org.qa, org.lead_qa)
    plans.update_plan(
        org.lead_qa,
        created,
        issue=created.issue,
        measure=created.measure,
        owner_id=created.owner_id,
        due_on=created.due_on,
        status="done",
    )
    db.session.commit()
    page = login_as(org.admin).get("/audit/").get_data(as_text=True)
    assert "予定</del> → 完了" in page  # planned -> done, in the reader's words
    assert "planned</del>" not in page
