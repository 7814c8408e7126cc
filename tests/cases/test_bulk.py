"""Bulk changes from the case list: each case through its own service (rules, version check,
audit), in the actor's scope; what was refused is reported with its reason."""

from __future__ import annotations

import re

import sqlalchemy as sa

from relq.audit.models import AuditEvent
from relq.cases.models import Case
from tests.factories import make_case


def pick(*cases, version=None):
    return [f"{c.id}:{c.version if version is None else version}" for c in cases]


def bulk(client, cases: list[str], **fields):
    data = {"case": cases, **fields}
    return client.post("/cases/bulk", data, token_from="/cases/")


def flashes(client) -> str:
    return " ".join(
        re.findall(r'class="flash [^"]*"[^>]*>([^<]*)<', client.get("/cases/").get_data(True))
    )


def events(session, action: str) -> list[tuple[int, int]]:
    found = session.execute(
        sa.select(AuditEvent.case_id, AuditEvent.actor_id)
        .where(AuditEvent.action == action)
        .order_by(AuditEvent.case_id)
    )
    return [tuple(r) for r in found]


def test_close_changes_what_may_be_closed_and_reports_the_rest(org, login_as, session):
    resolved = [make_case(org.operator, department=org.qa, status="resolved") for _ in range(2)]
    working = make_case(org.operator, department=org.qa, status="in_progress")
    client = login_as(org.operator)
    response = bulk(client, pick(*resolved, working), action="close", query="scope=all&page=2")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/cases/?scope=all")
    text = flashes(client)
    assert "2 件を完了にしました。" in text
    assert "現在の状態ではこの操作はできません" in text and working.ref in text
    statuses = dict(session.execute(sa.select(Case.id, Case.status)).all())
    assert [statuses[c.id] for c in resolved] == ["closed", "closed"]
    assert statuses[working.id] == "in_progress"
    # One audit event per case changed, by the person who did it.
    assert events(session, "case.close") == [(c.id, org.operator.id) for c in resolved]


def test_assign_stays_in_scope_and_checks_who_may_hold_each_case(org, login_as, session):
    mine = [make_case(org.operator, department=org.qa) for _ in range(2)]
    elsewhere = make_case(org.operator, department=org.logistics)
    client = login_as(org.lead_qa)
    response = bulk(
        client, pick(*mine, elsewhere), action="assign", assignee_id=str(org.lead_qa.id)
    )
    assert response.status_code == 302
    text = flashes(client)
    assert "2 件の担当者を設定しました。" in text
    # The logistics case does not exist for the QA lead: neither changed nor named.
    assert "1 件が見つかりませんでした" in text and elsewhere.ref not in text
    assignees = dict(session.execute(sa.select(Case.id, Case.assignee_id)).all())
    assert [assignees[c.id] for c in mine] == [org.lead_qa.id] * 2
    assert assignees[elsewhere.id] is None
    assert events(session, "case.assigned") == [(c.id, org.lead_qa.id) for c in mine]
    # The logistics lead cannot hold a QA case: refused, reported, nothing recorded.
    fresh = [session.get(Case, c.id) for c in mine]
    bulk(client, pick(*fresh), action="assign", assignee_id=str(org.lead_logistics.id))
    assert "選んだ人はこの案件の担当者になれません" in flashes(client)
    assert len(events(session, "case.assigned")) == 2


def test_route_routes_waiting_cases_and_reroutes_only_with_a_reason(org, login_as, session):
    waiting = make_case(org.operator)
    routed = make_case(org.operator, department=org.qa)
    client = login_as(org.operator)
    bulk(client, pick(waiting, routed), action="route", department_id=str(org.logistics.id))
    text = flashes(client)
    assert "1 件を振り分けました。" in text
    assert "再振り分けには理由が必要です" in text and routed.ref in text
    departments = dict(session.execute(sa.select(Case.id, Case.responsible_department_id)).all())
    assert departments == {waiting.id: org.logistics.id, routed.id: org.qa.id}
    routed = session.get(Case, routed.id)
    bulk(
        client,
        pick(routed),
        action="route",
        department_id=str(org.logistics.id),
        reason="配送の問題でした",
    )
    assert session.scalar(
        sa.select(Case.responsible_department_id).where(Case.id == routed.id)
    ) == (org.logistics.id)
    assert [e[0] for e in events(session, "case.route")] == [waiting.id]
    assert [e[0] for e in events(session, "case.reroute")] == [routed.id]


def test_a_case_changed_since_the_list_was_shown_is_refused(org, login_as, session):
    resolved = make_case(org.operator, department=org.qa, status="resolved")
    client = login_as(org.operator)
    bulk(client, pick(resolved, version=resolved.version - 1), action="close")
    assert "一覧の表示後に他の人が変更しました" in flashes(client)
    assert session.scalar(sa.select(Case.status).where(Case.id == resolved.id)) == "resolved"


def test_a_lead_cannot_close_through_the_bulk_tools_what_their_page_would_not(
    org, login_as, session
):
    resolved = make_case(org.operator, department=org.qa, status="resolved")
    client = login_as(org.lead_qa)  # the owner: closing is the front line's step
    bulk(client, pick(resolved), action="close")
    assert "この変更を行う権限がありません" in flashes(client)
    assert session.scalar(sa.select(Case.status).where(Case.id == resolved.id)) == "resolved"


def test_a_bulk_form_without_cases_or_department_changes_nothing(org, login_as, session):
    waiting = make_case(org.operator)
    client = login_as(org.operator)
    response = bulk(client, [], action="close")
    assert response.status_code == 422
    assert "案件を1件以上選んでください。" in response.get_data(as_text=True)
    response = bulk(client, pick(waiting), action="route")
    assert response.status_code == 422
    assert "部門を選んでください。" in response.get_data(as_text=True)
    response = bulk(client, ["1; DROP TABLE cases"], action="close")
    assert response.status_code == 422
    response = bulk(client, pick(waiting), action="route", reason="理由\x00")
    assert response.status_code == 422
    assert session.scalar(sa.select(Case.status).where(Case.id == waiting.id)) == "received"
    assert (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.in_(("case.route", "case.close")))
        )
        == 0
    )


def test_the_bulk_tools_are_for_case_workers_and_need_csrf(org, login_as):
    resolved = make_case(org.operator, department=org.qa, status="resolved")
    assert 'id="bulk"' in login_as(org.operator).get("/cases/").get_data(as_text=True)
    executive = login_as(org.executive)
    assert 'id="bulk"' not in executive.get("/cases/").get_data(as_text=True)
    assert bulk(executive, pick(resolved), action="close").status_code == 403
    client = login_as(org.operator)
    response = client.post("/cases/bulk", {"case": pick(resolved), "action": "close"}, csrf=False)
    assert response.status_code == 400
