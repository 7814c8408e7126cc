"""/api/v1/cases: the list page's filters and rows (the same query), cursor paging that walks
every row once while cases are added, a case and its scope (404 outside it, as on the page),
intake through the intake service with an idempotency key, edits with the version (409),
transitions and the department's answers, notes."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from relq.cases.models import Case, Note
from relq.db import utcnow
from tests.api.helpers import ApiClient, make_token
from tests.factories import make_case

NEW_CASE = {
    "kind": "complaint",
    "channel": "phone",
    "subject": "冷蔵庫が冷えない",
    "customer_words": "購入して一週間で冷えなくなりました。",
    "severity": 2,
    "customer": {"name": "山田 花子", "email": "hanako@example.jp"},
    "observation": "声が焦っていた",
}


def _walk(api, url):
    seen, pages, cursor = [], 0, None
    while True:
        response = api.get(url + (f"&cursor={cursor}" if cursor else ""))
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        seen += [c["id"] for c in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, pages


def test_cursor_paging_walks_every_row_once_in_every_sort(app, org, session):
    base = utcnow() - timedelta(days=3)
    for i in range(23):
        make_case(
            org.operator,
            department=org.qa if i % 2 else None,
            received_at=base + timedelta(minutes=i // 3),  # ties on received_at
            severity=1 + i % 4,
        )
    session.commit()
    api = ApiClient(app, make_token(org.operator))
    every = set(session.scalars(sa.select(Case.id)))
    for sort in ("-received_at", "received_at", "severity", "-updated_at", "status"):
        seen, pages = _walk(api, f"/api/v1/cases?limit=4&sort={sort}")
        assert len(seen) == len(set(seen)) == 23, sort
        assert set(seen) == every
        assert pages == 6
        # The same order as the list page's query: one page of all of them.
        whole = api.get(f"/api/v1/cases?limit=100&sort={sort}").get_json()["items"]
        assert [c["id"] for c in whole] == seen, sort


def test_paging_with_cases_added_meanwhile_shows_each_row_once(app, org, session):
    for i in range(10):
        make_case(org.operator, received_at=utcnow() - timedelta(hours=10 - i))
    session.commit()
    before = set(session.scalars(sa.select(Case.id)))
    api = ApiClient(app, make_token(org.operator))
    seen, cursor = [], None
    for _ in range(20):
        url = "/api/v1/cases?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(url).get_json()
        seen += [c["id"] for c in body["items"]]
        # Someone logs a case between two pages (received now: before the cursor).
        make_case(org.operator2)
        session.commit()
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert set(seen) == before


def test_the_lists_filters_as_on_the_page(app, org, session):
    fire = make_case(org.operator, department=org.qa, kind="complaint", severity=1)
    make_case(org.operator, kind="inquiry", channel="email", subject="営業時間を知りたい")
    closed = make_case(org.operator, department=org.qa, status="closed")
    session.commit()
    api = ApiClient(app, make_token(org.operator))

    def ids(query):
        response = api.get("/api/v1/cases?" + query)
        assert response.status_code == 200, response.get_json()
        return {c["id"] for c in response.get_json()["items"]}

    assert closed.id not in ids("")  # open cases by default, as the page
    assert closed.id in ids("scope=all")
    assert ids("status=closed") == {closed.id}
    assert ids("severity=1") == {fire.id}
    assert ids(f"department_id={org.qa.id}") == {fire.id}
    assert len(ids("kind=inquiry&channel=email")) == 1
    assert ids(f"q={fire.ref}") == {fire.id}
    row = api.get(f"/api/v1/cases?q={fire.ref}").get_json()["items"][0]
    assert row["ref"] == fire.ref and row["department_ja"] == "品質保証部"


def test_a_lead_of_another_department_gets_404_as_on_the_page(app, org, session, login_as):
    case = make_case(org.operator, department=org.qa)
    session.commit()
    other = ApiClient(app, make_token(org.lead_logistics))
    assert other.get(f"/api/v1/cases/{case.id}").status_code == 404
    assert login_as(org.lead_logistics).get(f"/cases/{case.id}").status_code == 404
    assert case.id not in [c["id"] for c in other.get("/api/v1/cases").get_json()["items"]]
    assert other.get(f"/api/v1/cases/{case.id}/notes").status_code == 404
    owner = ApiClient(app, make_token(org.lead_qa))
    detail = owner.get(f"/api/v1/cases/{case.id}").get_json()
    assert detail["id"] == case.id and "acknowledge" in detail["allowed_actions"]


def test_create_goes_through_intake_and_an_idempotency_key_makes_one_case(app, org, session):
    api = ApiClient(app, make_token(org.operator))
    first = api.post("/api/v1/cases", NEW_CASE, headers={"Idempotency-Key": "cti-call-881"})
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["status"] == "received" and body["customer"]["email"] == "hanako@example.jp"
    retried = api.post("/api/v1/cases", NEW_CASE, headers={"Idempotency-Key": "cti-call-881"})
    assert retried.status_code == 200
    assert retried.get_json()["id"] == body["id"]
    # The same key with another body is not a retry: refused, nothing made.
    reused = api.post(
        "/api/v1/cases", NEW_CASE | {"subject": "別件"}, headers={"Idempotency-Key": "cti-call-881"}
    )
    assert reused.status_code == 422 and reused.get_json()["code"] == "idempotency_key_reused"
    assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1
    # The observation became a note, as from the intake form.
    notes = api.get(f"/api/v1/cases/{body['id']}/notes").get_json()["items"]
    assert [(n["kind"], n["body"]) for n in notes] == [("observation", "声が焦っていた")]
    # Another user's same key is another case; no key is a new case each time.
    other = ApiClient(app, make_token(org.operator2))
    assert (
        other.post(
            "/api/v1/cases", NEW_CASE, headers={"Idempotency-Key": "cti-call-881"}
        ).status_code
        == 201
    )
    assert api.post("/api/v1/cases", NEW_CASE).status_code == 201
    assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 3


def test_a_department_that_takes_no_cases_in_may_not_create(app, org, session):
    api = ApiClient(app, make_token(org.lead_qa))
    assert api.post("/api/v1/cases", NEW_CASE).status_code == 403
    routed = ApiClient(app, make_token(org.operator)).post(
        "/api/v1/cases", NEW_CASE | {"responsible_department_id": 99999}
    )
    assert routed.status_code == 422
    assert routed.get_json()["errors"][0]["loc"] == ["department"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_update_with_the_version_and_409_when_it_moved(app, org, session):
    case = make_case(org.operator)
    session.commit()
    api = ApiClient(app, make_token(org.operator))
    version = api.get(f"/api/v1/cases/{case.id}").get_json()["version"]
    changed = api.patch(f"/api/v1/cases/{case.id}", {"version": version, "severity": 1})
    assert changed.status_code == 200
    assert changed.get_json()["severity"] == 1
    assert changed.get_json()["version"] == version + 1
    stale = api.patch(f"/api/v1/cases/{case.id}", {"version": version, "subject": "古い版"})
    assert stale.status_code == 409
    assert stale.get_json()["code"] == "edit_conflict"
    session.expire_all()
    assert session.get(Case, case.id).subject != "古い版"


def test_transitions_and_answers_through_the_same_services(app, org, session):
    case = make_case(org.operator)
    session.commit()
    operator = ApiClient(app, make_token(org.operator))
    v = operator.get(f"/api/v1/cases/{case.id}").get_json()["version"]
    routed = operator.post(
        f"/api/v1/cases/{case.id}/transitions",
        {"action": "route", "version": v, "department_id": org.qa.id},
    )
    assert routed.status_code == 200, routed.get_json()
    assert routed.get_json()["status"] == "routed"
    lead = ApiClient(app, make_token(org.lead_qa))
    v = routed.get_json()["version"]
    acknowledged = lead.post(
        f"/api/v1/cases/{case.id}/transitions", {"action": "acknowledge", "version": v}
    )
    assert acknowledged.status_code == 200 and acknowledged.get_json()["status"] == "acknowledged"
    # A transition the status does not allow: 409; one the role may not make: 403.
    v = acknowledged.get_json()["version"]
    assert (
        operator.post(
            f"/api/v1/cases/{case.id}/transitions", {"action": "close", "version": v}
        ).status_code
        == 409
    )
    assert (
        operator.post(
            f"/api/v1/cases/{case.id}/transitions", {"action": "start", "version": v}
        ).status_code
        == 403
    )
    missing = lead.post(
        f"/api/v1/cases/{case.id}/transitions", {"action": "complete", "version": v}
    )
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["loc"] == ["reason"]


def test_notes_list_and_add(app, org, session):
    case = make_case(org.operator, department=org.qa)
    session.commit()
    api = ApiClient(app, make_token(org.lead_qa))
    added = api.post(f"/api/v1/cases/{case.id}/notes", {"kind": "internal", "body": "ロット確認中"})
    assert added.status_code == 201
    assert added.get_json()["author"] == org.lead_qa.name
    items = api.get(f"/api/v1/cases/{case.id}/notes").get_json()["items"]
    assert [n["body"] for n in items] == ["ロット確認中"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Note)) == 1


def test_reading_through_the_api_keeps_what_every_node_has_kept(app, org, session):
    """An API read writes its rate counter and its token's last use, in its own transaction:
    neither may count as a change of the cases, or every API call would throw away every kept
    case page on every node."""
    from relq.cache import CacheTopic

    make_case(org.operator, department=org.qa)
    session.commit()
    api = ApiClient(app, make_token(org.operator, scope="read"))

    def versions():
        session.rollback()
        return dict(session.execute(sa.select(CacheTopic.name, CacheTopic.version)).all())

    api.get("/api/v1/cases")  # the first call stamps the token's last use
    before = versions()
    for _ in range(3):
        assert api.get("/api/v1/cases").status_code == 200
    assert versions() == before
    assert session.scalar(sa.text("SELECT count(*) FROM api_rate_windows")) >= 1
