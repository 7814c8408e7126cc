"""The officer's pages and the case page: purpose notice, disclosure, correction, erasure on
request, requests, the read log, and bad input."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from relq.audit.models import AuditEvent
from relq.cases.models import Case, Customer
from relq.cases.services import CustomerInput, add_note
from relq.db import db, transaction
from relq.privacy.models import CustomerErasure, PersonalDataRead, PrivacyRequest
from relq.privacy.policy import DEFAULT_PURPOSE_JA
from relq.privacy.services import open_request
from tests.factories import make_case


@pytest.fixture
def two_customers(org):
    with transaction():
        a = make_case(
            org.operator,
            department=org.qa,
            customer_words="アルファ社の冷蔵庫から異音がする。",
            customer=CustomerInput(name="山田 太郎", email="taro@example.jp", phone="09012345678"),
        )
        add_note(a, actor=org.operator, kind="observation", body="山田様はとても困っていた")
        b = make_case(
            org.operator,
            department=org.qa,
            customer_words="ベータ社の洗濯機が止まった。",
            customer=CustomerInput(name="佐々木 花子", email="hanako@example.jp"),
        )
    return a, b


def _reads(**where) -> list[PersonalDataRead]:
    db.session.expire_all()
    query = select(PersonalDataRead).order_by(PersonalDataRead.id)
    for key, value in where.items():
        query = query.where(getattr(PersonalDataRead, key) == value)
    return list(db.session.scalars(query))


def test_intake_form_shows_the_purpose_notice(org, login_as):
    client = login_as(org.operator)
    page = client.get("/cases/new").get_data(as_text=True)
    assert 'data-testid="purpose-notice"' in page and "/privacy/purpose" in page
    purpose = client.get("/privacy/purpose").get_data(as_text=True)
    assert DEFAULT_PURPOSE_JA.splitlines()[0] in purpose


def test_admin_edits_purpose_and_retention(org, login_as):
    admin = login_as(org.admin)
    assert 'data-testid="policy-not-saved"' in admin.get("/privacy/settings").get_data(as_text=True)
    response = admin.post(
        "/privacy/settings",
        {
            "purpose_ja": "ご相談への回答のために利用します。",
            "purpose_en": "To answer you.",
            "contact_days": "730",
            "text_days": "1825",
            "attachment_days": "",
        },
        token_from="/privacy/settings",
    )
    assert response.status_code == 302
    assert 'data-testid="policy-not-saved"' not in admin.get("/privacy/settings").get_data(
        as_text=True
    )
    assert "ご相談への回答のために利用します。" in login_as(org.operator).get(
        "/privacy/purpose"
    ).get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.policy_saved"))
    assert event.after["contact_days"] == 730 and event.after["attachment_days"] is None
    bad = admin.post(
        "/privacy/settings",
        {"purpose_ja": "x\x00", "contact_days": "0", "text_days": "999999"},
        token_from="/privacy/settings",
    )
    assert bad.status_code == 422


def test_case_page_logs_who_was_shown_personal_data(org, login_as, two_customers):
    a, _b = two_customers
    with transaction():
        anonymous = make_case(org.operator, department=org.qa)
    client = login_as(org.lead_qa)
    page = client.get(f"/cases/{a.id}", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert page.status_code == 200 and 'data-testid="read-logged"' in page.get_data(as_text=True)
    rows = _reads(case_id=a.id)
    assert [(r.user_id, r.customer_id, r.place, r.address) for r in rows] == [
        (org.lead_qa.id, a.customer_id, "case_page", "192.0.2.7")
    ]
    # A case without a customer's data shows none and logs nothing.
    client.get(f"/cases/{anonymous.id}")
    assert _reads(case_id=anonymous.id) == []
    # Someone who cannot see the case reads nothing and is not logged.
    assert login_as(org.lead_logistics).get(f"/cases/{a.id}").status_code == 404
    assert len(_reads(case_id=a.id)) == 1
    # The log is the admin's to read, filterable.
    log = login_as(org.admin).get(f"/privacy/reads?user={org.lead_qa.id}&place=case_page")
    assert log.status_code == 200 and org.lead_qa.name in log.get_data(as_text=True)
    other = login_as(org.admin).get(f"/privacy/reads?user={org.operator2.id}")
    assert 'data-testid="read-log"' not in other.get_data(as_text=True)
    for user in (org.operator, org.lead_qa, org.executive):
        assert login_as(user).get("/privacy/reads").status_code == 403


def test_search_is_logged_and_finds_by_email_phone_name(org, login_as, two_customers):
    a, b = two_customers
    admin = login_as(org.admin)
    for query in ("taro@example.jp", "090-1234-5678", "山田"):
        page = admin.get("/privacy/", query_string={"q": query}).get_data(as_text=True)
        assert f"/privacy/customers/{a.customer_id}" in page
        assert f"/privacy/customers/{b.customer_id}" not in page
    searches = _reads(place="search")
    assert [r.found for r in searches] == [1, 1, 1]
    assert admin.get("/privacy/", query_string={"q": "山\x00"}).status_code == 422
    assert admin.get("/privacy/", query_string={"q": "x" * 500}).status_code == 422
    assert login_as(org.executive).get("/privacy/?q=山田").status_code == 403


def test_disclosure_holds_exactly_their_data(org, login_as, two_customers):
    a, b = two_customers
    admin = login_as(org.admin)
    url = f"/privacy/customers/{a.customer_id}"
    response = admin.post(f"{url}/export", {"format": "zip", "request_id": "0"}, token_from=url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["cases.csv", "customer.json", "notes.csv"]
    data = json.loads(archive.read("customer.json"))
    everything = json.dumps(data, ensure_ascii=False) + archive.read("cases.csv").decode(
        "utf-8-sig"
    )
    assert data["customer"]["email"] == "taro@example.jp"
    assert [c["id"] for c in data["cases"]] == [a.id]
    assert "アルファ社" in everything and "山田様はとても困っていた" in everything
    assert "ベータ社" not in everything and "hanako@example.jp" not in everything
    assert "山田様はとても困っていた" in archive.read("notes.csv").decode("utf-8-sig")
    as_json = admin.post(f"{url}/export", {"format": "json", "request_id": "0"}, token_from=url)
    assert as_json.mimetype == "application/json"
    assert (
        json.loads(as_json.data)["cases"][0]["customer_words"]
        == "アルファ社の冷蔵庫から異音がする。"
    )
    db.session.expire_all()
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "privacy.disclosed")) == 2
    )
    assert [r.place for r in _reads(customer_id=a.customer_id)][-1] == "export"


def test_correction_is_audited_masked(org, login_as, two_customers):
    a, _b = two_customers
    with transaction():
        request = open_request(
            org.admin,
            db.session.get(Customer, a.customer_id),
            kind="correct",
            received_on=date.today(),
        )
    url = f"/privacy/customers/{a.customer_id}/correct"
    admin = login_as(org.admin)
    response = admin.post(
        url,
        {
            "name": "山田 太朗",
            "email": "taro.yamada@example.jp",
            "phone": "09012345678",
            "request_id": str(request.id),
        },
        token_from=url,
    )
    assert response.status_code == 302
    customer = db.session.get(Customer, a.customer_id)
    db.session.refresh(customer)
    assert (customer.name, customer.email) == ("山田 太朗", "taro.yamada@example.jp")
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "privacy.customer_corrected")
    )
    assert event.before == {"name": "山***", "email": "t***@example.jp"}
    assert event.after == {"name": "山***", "email": "t***@example.jp", "request_id": request.id}
    assert "taro" not in json.dumps(event.before) + json.dumps(event.after)
    # 利用停止: no more satisfaction surveys, audited as such.
    stop = admin.post(
        url,
        {
            "name": "山田 太朗",
            "email": "taro.yamada@example.jp",
            "phone": "09012345678",
            "survey_opt_out": "y",
            "request_id": "0",
        },
        token_from=url,
    )
    assert stop.status_code == 302
    db.session.expire_all()
    assert db.session.get(Customer, a.customer_id).survey_opt_out is True
    last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert (last.action, last.after) == ("privacy.customer_corrected", {"survey_opt_out": True})
    bad = admin.post(
        url, {"name": "x" * 200, "email": "not-an-address", "request_id": "0"}, token_from=url
    )
    assert bad.status_code == 422


def test_erase_on_request_with_confirmation(org, login_as, two_customers):
    a, b = two_customers
    with transaction():
        request = open_request(
            org.admin,
            db.session.get(Customer, a.customer_id),
            kind="erase",
            received_on=date.today() - timedelta(days=2),
            note="電話で依頼",
        )
    assert request.due_on == request.received_on + timedelta(days=14)
    url = f"/privacy/customers/{a.customer_id}/erase"
    admin = login_as(org.admin)
    assert admin.get(url).status_code == 200
    unconfirmed = admin.post(
        url, {"reason": "ご本人の依頼", "request_id": str(request.id)}, token_from=url
    )
    assert unconfirmed.status_code == 422
    assert db.session.get(CustomerErasure, a.customer_id) is None
    no_reason = admin.post(url, {"reason": "", "confirm": "y", "request_id": "0"}, token_from=url)
    assert no_reason.status_code == 422
    done = admin.post(
        url,
        {"reason": "ご本人の依頼", "confirm": "y", "request_id": str(request.id)},
        token_from=url,
    )
    assert done.status_code == 302
    db.session.expire_all()
    erased = db.session.get(Customer, a.customer_id)
    assert (erased.name, erased.email, erased.phone) == (None, None, None)
    assert db.session.get(CustomerErasure, a.customer_id).request_id == request.id
    case = db.session.get(Case, a.id)
    assert "アルファ社" not in case.customer_words and case.kind == "complaint"
    assert case.status == "routed"  # kept as it was: an anonymised record
    other = db.session.get(Case, b.id)
    assert (
        other.customer_words == "ベータ社の洗濯機が止まった。"
        and other.customer.name == "佐々木 花子"
    )
    # Done once: the second time is a conflict, nothing changes.
    again = admin.post(url, {"reason": "再度", "confirm": "y", "request_id": "0"}, token_from=url)
    assert again.status_code in (200, 409)
    # The request is closed by the officer.
    closed = admin.post(
        f"/privacy/requests/{request.id}/close",
        {"status": "done", "outcome": "消去済み"},
        token_from=f"/privacy/customers/{a.customer_id}",
    )
    assert closed.status_code == 302
    db.session.expire_all()
    assert db.session.get(PrivacyRequest, request.id).status == "done"
    assert db.session.get(PrivacyRequest, request.id).handled_by_id == org.admin.id


def test_bad_ids_and_roles(org, login_as, two_customers):
    a, _b = two_customers
    admin = login_as(org.admin)
    assert admin.get("/privacy/customers/999999").status_code == 404
    assert admin.get(f"/privacy/customers/{2**40}").status_code == 404
    assert admin.get("/privacy/reads?customer=abc").status_code == 422
    page = admin.get(f"/privacy/customers/{a.customer_id}")
    assert page.status_code == 200 and "taro@example.jp" in page.get_data(as_text=True)
    for user in (org.operator, org.lead_cs, org.executive):
        assert login_as(user).get(f"/privacy/customers/{a.customer_id}").status_code == 403
    url = f"/privacy/customers/{a.customer_id}"
    future = admin.post(
        f"{url}/requests",
        {"kind": "disclose", "received_on": (date.today() + timedelta(days=30)).isoformat()},
        token_from=url,
    )
    assert future.status_code == 422
    unknown = admin.post(
        f"{url}/requests", {"kind": "everything", "received_on": "2026-12-01"}, token_from=url
    )
    assert unknown.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(PrivacyRequest)) == 0
