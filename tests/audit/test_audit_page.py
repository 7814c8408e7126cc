"""The audit trail page: words a person reads, and filters (who, what, object, case, dates)."""

from __future__ import annotations

from datetime import timedelta

from relq.cases.services import assign_case
from relq.db import db, utcnow
from relq.deadlines.calendar import OFFICE_TZ
from tests.factories import make_case, transition


def _table(html: str) -> str:
    return html.split("<table", 1)[1].split("</table>", 1)[0] if "<table" in html else ""


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [row for row in body.split("<tr>")[1:]]


def test_values_are_words_not_codes_or_ids(org, login_as):
    case = make_case(org.operator)
    transition(
        case,
        actor=org.operator,
        action="route",
        expected_version=case.version,
        department_id=org.qa.id,
    )
    assign_case(case, actor=org.lead_qa, assignee_id=org.lead_qa.id, expected_version=case.version)
    db.session.commit()

    html = _table(login_as(org.admin).get("/audit/").get_data(as_text=True))

    assert "品質保証部" in html  # the department the case was routed to, by name
    assert "受付</del> → 振り分け済み" in html  # status codes in the reader's words
    assert org.lead_qa.name in html  # the assignee by name
    for raw in ("responsible_department_id", "assignee_id", ": None", "case.route", "received →"):
        assert raw not in html, raw


def test_english_reader_reads_english(org, login_as):
    case = make_case(org.operator)
    transition(
        case,
        actor=org.operator,
        action="route",
        expected_version=case.version,
        department_id=org.qa.id,
    )
    org.admin.locale = "en"
    db.session.commit()

    html = _table(login_as(org.admin).get("/audit/").get_data(as_text=True))

    assert "Received</del> → Routed" in html
    assert "Quality Assurance" in html


def test_filters_by_actor_action_object_and_case(org, login_as):
    first = make_case(org.operator, subject="一件目")
    second = make_case(org.operator2, subject="二件目")
    transition(
        second,
        actor=org.operator2,
        action="route",
        expected_version=second.version,
        department_id=org.logistics.id,
    )
    db.session.commit()
    admin = login_as(org.admin)

    by_actor = _rows(admin.get(f"/audit/?actor={org.operator2.id}").get_data(as_text=True))
    assert len(by_actor) == 2 and all(org.operator2.name in row for row in by_actor)

    routed = _rows(admin.get("/audit/?action=case.route").get_data(as_text=True))
    assert len(routed) == 1 and second.ref in routed[0]

    of_case = _rows(admin.get(f"/audit/?case={first.ref}").get_data(as_text=True))
    assert of_case and all(first.ref in row for row in of_case)
    assert not any(second.ref in row for row in of_case)

    users = _rows(admin.get("/audit/?entity_type=user").get_data(as_text=True))
    assert len(users) >= 7  # the org's seven people were created (and the admin logged in)
    assert not any(first.ref in row or "案件" in row for row in users)

    nothing = admin.get("/audit/?case=C-2026-999999").get_data(as_text=True)
    assert not _rows(nothing)


def test_filters_by_office_day(org, login_as):
    today = utcnow().astimezone(OFFICE_TZ).date()
    make_case(org.operator)
    db.session.commit()
    admin = login_as(org.admin)

    assert _rows(admin.get(f"/audit/?since={today}&until={today}").get_data(as_text=True))
    tomorrow = today + timedelta(days=1)
    assert not _rows(admin.get(f"/audit/?since={tomorrow}").get_data(as_text=True))
    yesterday = today - timedelta(days=1)
    assert not _rows(admin.get(f"/audit/?until={yesterday}").get_data(as_text=True))


def test_bad_filters_answer_422_and_pages_keep_filters(org, login_as):
    admin = login_as(org.admin)
    assert admin.get("/audit/?since=2026-13-45").status_code == 422
    assert admin.get("/audit/?action=no.such").status_code == 422
    assert admin.get("/audit/?case=%00").status_code == 422
    for n in range(110):
        make_case(org.operator, subject=f"件 {n}")
    db.session.commit()
    html = admin.get(f"/audit/?actor={org.operator.id}").get_data(as_text=True)
    assert f"actor={org.operator.id}" in html.split('class="pager"', 1)[1]


def test_only_admins_and_executives_read_it(org, login_as):
    assert login_as(org.operator).get("/audit/").status_code == 403
    assert login_as(org.lead_qa).get("/audit/").status_code == 403
    assert login_as(org.executive).get("/audit/").status_code == 200


def test_a_handoffs_steps_read_in_words(org, login_as):
    from relq.handoffs.services import request_handoff, take_step

    handoff = request_handoff(
        actor=org.operator, provider_department_id=org.qa.id, ask="検査結果をください"
    )
    take_step(
        handoff, actor=org.lead_qa, action="answer", expected_version=handoff.version, body="正常"
    )
    db.session.commit()
    html = _table(login_as(org.admin).get("/audit/").get_data(as_text=True))
    assert "依頼元の部署" in html and "品質保証部" in html
    for raw in ("requester_department_id", "provider_department_id", "waited_minutes", "due_at"):
        assert raw not in html, raw
