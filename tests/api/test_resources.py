"""The resources beside the cases, each through its own package's door: tags and departments,
handoffs (visible_handoffs), escalations (visible_escalations), themes (scoped by
visible_cases), surges (management), and eNPS results only through the anonymity gate."""

from __future__ import annotations

from datetime import date, timedelta

from relq.db import utcnow
from relq.handoffs.services import request_handoff
from relq.themes.models import SurgeAlert
from tests.api.helpers import ApiClient, make_token
from tests.enps.test_gate_helpers import add_answers, make_round
from tests.factories import make_case


def test_tags_and_departments(app, org, session):
    api = ApiClient(app, make_token(org.operator))
    departments = api.get("/api/v1/departments").get_json()["items"]
    assert {d["code"] for d in departments} == {"cs", "qa", "logistics"}
    assert [d["is_customer_contact"] for d in departments if d["code"] == "cs"] == [True]
    tags = api.get("/api/v1/tags").get_json()["items"]
    assert tags and all(t["code"] and t["name_ja"] for t in tags)
    assert tags == sorted(tags, key=lambda t: t["code"])


def test_handoffs_through_their_scope(app, org, session):
    case = make_case(org.operator, department=org.qa)
    handoff = request_handoff(
        actor=org.operator,
        provider_department_id=org.qa.id,
        ask="検査結果を教えてください",
        why="お客様が待っています",
        case=case,
    )
    own = request_handoff(
        actor=org.lead_logistics,
        provider_department_id=org.qa.id,
        ask="ラベルの件",
        why="",
    )
    session.commit()
    operator = ApiClient(app, make_token(org.operator))
    assert [h["id"] for h in operator.get("/api/v1/handoffs").get_json()["items"]] == [handoff.id]
    detail = operator.get(f"/api/v1/handoffs/{handoff.id}").get_json()
    assert detail["ask"] == "検査結果を教えてください" and detail["case_id"] == case.id
    assert operator.get(f"/api/v1/handoffs/{own.id}").status_code == 404
    qa = ApiClient(app, make_token(org.lead_qa))
    page = qa.get("/api/v1/handoffs?limit=1").get_json()
    assert [h["id"] for h in page["items"]] == [own.id]
    rest = qa.get(f"/api/v1/handoffs?limit=1&cursor={page['next_cursor']}").get_json()
    assert [h["id"] for h in rest["items"]] == [handoff.id] and rest["next_cursor"] is None
    assert ApiClient(app, make_token(org.admin)).get("/api/v1/handoffs").status_code == 403


def test_escalations_through_their_scope(app, org, session):
    make_case(org.operator, department=org.qa, subject="製品から煙が出た", severity=1)
    session.commit()
    lead = ApiClient(app, make_token(org.lead_qa))
    items = lead.get("/api/v1/escalations").get_json()["items"]
    assert {e["reason"] for e in items} >= {"safety"}
    one = items[0]
    assert lead.get(f"/api/v1/escalations/{one['id']}").get_json() == one
    other = ApiClient(app, make_token(org.lead_logistics))
    assert other.get("/api/v1/escalations").get_json()["items"] == []
    assert other.get(f"/api/v1/escalations/{one['id']}").status_code == 404
    assert ApiClient(app, make_token(org.operator)).get("/api/v1/escalations").status_code == 403
    closed = lead.get("/api/v1/escalations?state=closed").get_json()["items"]
    assert closed == []


def test_themes_and_surges(app, org, session):
    case = make_case(org.operator, department=org.qa)
    session.add(
        SurgeAlert(
            key="all|phrase:異物",
            label="異物",
            kind="surge",
            week_end=date(2026, 11, 29),
            observed=9,
            expected=0.5,
            p_value=0.001,
            case_ids=[case.id],
        )
    )
    session.commit()
    now = utcnow()
    query = f"start={(now - timedelta(days=7)).isoformat()}&end={now.isoformat()}"
    query = query.replace("+", "%2B")
    themes = ApiClient(app, make_token(org.operator)).get(f"/api/v1/themes?{query}")
    assert themes.status_code == 200 and themes.get_json()["items"] == []  # nothing analysed
    assert ApiClient(app, make_token(org.operator)).get("/api/v1/themes").status_code == 422
    surges = ApiClient(app, make_token(org.executive)).get("/api/v1/surges").get_json()["items"]
    assert [(s["label"], s["observed"], s["case_ids"]) for s in surges] == [("異物", 9, [case.id])]
    assert ApiClient(app, make_token(org.lead_qa)).get("/api/v1/surges").status_code == 403


def test_enps_results_only_through_the_anonymity_gate(app, org, session):
    """QA 10 and CS 6 answers are shown; logistics' 3 are not, and CS is hidden with it (the
    hidden rest would be 3: less than 5), as the gate decides."""
    survey_round = make_round(org.admin)
    add_answers(survey_round, org.qa, [9, 10, 9, 9, 8, 7, 6, 3, 10, 9])
    add_answers(survey_round, org.cs, [7] * 6)
    add_answers(survey_round, org.logistics, [0, 0, 0])
    make_round(
        org.admin, name="実施中", status="open", period=(date(2026, 10, 1), date(2026, 10, 31))
    )
    session.commit()
    executive = ApiClient(app, make_token(org.executive))
    rounds = executive.get("/api/v1/enps/rounds").get_json()["items"]
    assert [r["id"] for r in rounds] == [survey_round.id]  # the open round is not listed
    body = executive.get(f"/api/v1/enps/rounds/{survey_round.id}/results").get_json()
    assert body["company"]["n"] == 19
    shown = {d["department_id"]: d for d in body["departments"]}
    assert set(shown) == {org.qa.id}
    assert shown[org.qa.id]["n"] == 10 and shown[org.qa.id]["enps"] == 40.0
    assert all(d["n"] >= 5 for d in body["departments"])
    # A lead reads their own department; the logistics lead's is not shown (null), nor n.
    qa = ApiClient(app, make_token(org.lead_qa))
    own = qa.get(f"/api/v1/enps/rounds/{survey_round.id}/results?department_id={org.qa.id}")
    assert own.get_json()["focus"]["n"] == 10 and own.get_json()["company"] is None
    assert qa.get(f"/api/v1/enps/rounds/{survey_round.id}/results").status_code == 403
    logistics = ApiClient(app, make_token(org.lead_logistics)).get(
        f"/api/v1/enps/rounds/{survey_round.id}/results?department_id={org.logistics.id}"
    )
    assert logistics.status_code == 200 and logistics.get_json()["focus"] is None
    assert logistics.get_json()["bands"] == [] and logistics.get_json()["departments"] == []
    assert ApiClient(app, make_token(org.operator)).get("/api/v1/enps/rounds").status_code == 403
