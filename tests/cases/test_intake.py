"""The intake form through the real stack: what a person types, what the database keeps."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from relq.audit.models import AuditEvent
from relq.cases.models import Case, Customer, Note
from relq.db import db, utcnow

TOKEN = re.compile(r'name="intake_token"[^>]*value="([^"]+)"')


def _form(client, **overrides):
    page = client.get("/cases/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    data = {
        "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1),
        "intake_token": TOKEN.search(html).group(1),
        "kind": "complaint",
        "channel": "phone",
        "received_at": (utcnow() + timedelta(hours=9) - timedelta(minutes=30)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "severity": "2",
        "product": "電気ケトル KT-200",
        "subject": "電気ケトルの蓋が閉まらない",
        "customer_words": "先週購入した電気ケトルの蓋がロックされず、注ぐときに熱湯がこぼれそうになった。",
        "remedy_requested": "交換してほしい",
        "responsible_department_id": "0",
        "customer_name": "山田 花子",
        "customer_email": "hanako@example.jp",
        "customer_phone": "090-1234-5678",
        "observation": "同じロットの問い合わせが今週3件目。",
    }
    data.update(overrides)
    return data


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_operator_logs_a_japanese_complaint(org, login_as):
    client = login_as(org.operator)
    data = _form(client, responsible_department_id=str(org.qa.id))
    response = client.post("/cases/new", data)
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case))
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    assert case.subject == "電気ケトルの蓋が閉まらない"
    assert case.status == "routed" and case.responsible_department_id == org.qa.id
    assert case.intake_department_id == org.cs.id and case.created_by_id == org.operator.id
    assert case.customer.phone == "09012345678" and case.customer.email == "hanako@example.jp"
    # 09:00 JST offset: the form's Tokyo time is stored as UTC.
    assert abs((utcnow() - case.received_at) - timedelta(minutes=30)) < timedelta(minutes=2)
    note = db.session.scalar(sa.select(Note))
    assert note.kind == "observation" and note.body == "同じロットの問い合わせが今週3件目。"
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["case.created", "note.added"]
    detail = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert case.ref in detail and "熱湯がこぼれそう" in detail


def test_double_submit_creates_one_case(org, login_as):
    client = login_as(org.operator)
    data = _form(client)
    first = client.post("/cases/new", data)
    second = client.post("/cases/new", data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(Case) == 1


def test_a_double_submit_racing_the_first_gets_the_first_case(org, login_as, monkeypatch):
    """Both submissions pass the token check before either commits: the unique index refuses
    the second one's transaction, and the operator is sent to the case the first one saved."""
    from relq.cases import services

    client = login_as(org.operator)
    data = _form(client)
    first = client.post("/cases/new", data)
    assert first.status_code == 302
    # The second request looks before the first has committed: it finds nothing.
    monkeypatch.setattr(services, "case_by_intake_token", lambda token: None)
    second = client.post("/cases/new", data)
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert _count(Case) == 1
    assert "すでに登録" in client.get(second.headers["Location"]).get_data(as_text=True)


def test_missing_fields_are_named_and_nothing_is_saved(org, login_as):
    client = login_as(org.operator)
    data = _form(client, subject="", customer_words="   ", received_at="")
    response = client.post("/cases/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count('class="error"') >= 3
    assert 'id="subject-error"' in html and 'id="customer_words-error"' in html
    assert _count(Case) == 0 and _count(Customer) == 0


def test_overlong_and_malformed_input_keeps_what_was_typed(org, login_as):
    client = login_as(org.operator)
    long_subject = "長" * 201
    data = _form(
        client, subject=long_subject, customer_email="not-an-address", customer_phone="abc"
    )
    response = client.post("/cases/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="subject-error"' in html
    assert 'id="customer_email-error"' in html and 'id="customer_phone-error"' in html
    # The customer's words the operator typed are still in the form.
    assert "熱湯がこぼれそうになった" in html
    assert _count(Case) == 0


def test_future_time_is_refused(org, login_as):
    client = login_as(org.operator)
    future = (utcnow() + timedelta(hours=9, days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/cases/new", _form(client, received_at=future))
    assert response.status_code == 422
    assert 'id="received_at-error"' in response.get_data(as_text=True)
    assert _count(Case) == 0


def test_hostile_text_is_shown_as_text(org, login_as):
    client = login_as(org.operator)
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.post("/cases/new", _form(client, subject=hostile, customer_words=hostile))
    case = db.session.scalar(sa.select(Case))
    assert case.subject == hostile  # kept exactly as typed
    for page in (f"/cases/{case.id}", "/cases/", f"/cases/{case.id}/edit"):
        html = client.get(page).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html


def test_same_customer_is_recognised_by_phone(org, login_as):
    client = login_as(org.operator)
    client.post("/cases/new", _form(client))
    client.post(
        "/cases/new",
        _form(
            client, customer_name="", customer_email="", customer_phone="０９０ １２３４ ５６７８"
        ),
    )
    customers = db.session.scalars(sa.select(Case.customer_id)).all()
    assert len(customers) == 2 and customers[0] == customers[1]
    assert _count(Customer) == 1


def test_leads_of_other_departments_cannot_take_cases_in(org, login_as):
    client = login_as(org.lead_qa)
    assert client.get("/cases/new").status_code == 403
    assert client.post("/cases/new", {}, token_from="/cases/").status_code == 403
    assert _count(Case) == 0


def test_csrf_is_required(org, login_as):
    client = login_as(org.operator)
    data = _form(client)
    data.pop("csrf_token")
    response = client.post("/cases/new", data, csrf=False)
    assert response.status_code == 400
    assert _count(Case) == 0


def test_expired_form_keeps_the_typed_text(org, login_as):
    client = login_as(org.operator)
    data = _form(client, customer_words="長い通話で聞き取った大切な内容。")
    data["csrf_token"] = "expired-or-forged"
    response = client.post("/cases/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "長い通話で聞き取った大切な内容。" in html
    assert _count(Case) == 0
    # The page carries a fresh token and the same intake token: sending it again works once.
    fresh = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    assert TOKEN.search(html).group(1) == data["intake_token"]
    data["csrf_token"] = fresh
    assert client.post("/cases/new", data).status_code == 302
    assert _count(Case) == 1
