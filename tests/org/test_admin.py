"""Admins manage departments and users; every change is audited and takes effect at once."""

from __future__ import annotations

import sqlalchemy as sa

from relq.audit.models import AuditEvent
from relq.db import db
from relq.org.models import Department, User


def test_admin_creates_a_user_who_can_log_in(org, login_as, client):
    admin = login_as(org.admin)
    response = admin.post(
        "/admin/users/new",
        {
            "email": "New.Person@Example.jp",
            "name": "新人 花子",
            "role": "operator",
            "department_id": str(org.cs.id),
            "locale": "en",
            "password": "a fine first password",
            "is_active": "y",
        },
        token_from="/admin/users/new",
    )
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "new.person@example.jp"))
    assert user.role == "operator" and user.locale == "en"
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "user.created", AuditEvent.entity_id == user.id
        )
    )
    assert event.actor_id == org.admin.id and event.after["email"] == "new.person@example.jp"
    assert "password" not in str(event.after)
    client.login(user, password="a fine first password")
    assert client.get("/cases/").status_code == 200


def test_operator_must_sit_in_a_contact_department(org, login_as):
    admin = login_as(org.admin)
    response = admin.post(
        "/admin/users/new",
        {
            "email": "x@example.jp",
            "name": "X",
            "role": "operator",
            "department_id": str(org.qa.id),
            "locale": "ja",
            "password": "a fine first password",
        },
        token_from="/admin/users/new",
    )
    assert response.status_code == 200 and "flash-error" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "x@example.jp")) is None


def test_duplicate_email_is_refused(org, login_as):
    admin = login_as(org.admin)
    response = admin.post(
        "/admin/users/new",
        {
            "email": org.operator.email,
            "name": "Copy",
            "role": "lead",
            "department_id": str(org.qa.id),
            "locale": "ja",
            "password": "a fine first password",
        },
        token_from="/admin/users/new",
    )
    assert "flash-error" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 7


def test_role_change_ends_the_users_logins(org, login_as):
    victim = login_as(org.lead_qa)
    assert victim.get("/cases/").status_code == 200
    admin = login_as(org.admin)
    response = admin.post(
        f"/admin/users/{org.lead_qa.id}",
        {
            "name": org.lead_qa.name,
            "role": "executive",
            "department_id": str(org.qa.id),
            "is_active": "y",
        },
        token_from=f"/admin/users/{org.lead_qa.id}",
    )
    assert response.status_code == 302
    assert db.session.get(User, org.lead_qa.id).role == "executive"
    assert victim.get("/cases/").status_code == 302  # must log in again, with the new rights
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.updated"))
    assert event.before == {"role": "lead"} and event.after == {"role": "executive"}


def test_admin_cannot_lock_themselves_out(org, login_as):
    admin = login_as(org.admin)
    response = admin.post(
        f"/admin/users/{org.admin.id}",
        {
            "name": org.admin.name,
            "role": "operator",
            "department_id": str(org.cs.id),
            "is_active": "y",
        },
        token_from=f"/admin/users/{org.admin.id}",
    )
    assert "flash-error" in response.get_data(as_text=True)
    assert db.session.get(User, org.admin.id).role == "admin"


def test_departments(org, login_as):
    admin = login_as(org.admin)
    created = admin.post(
        "/admin/departments/new",
        {"code": "sales", "name_ja": "営業部", "name_en": "Sales", "is_active": "y"},
        token_from="/admin/departments/new",
    )
    assert created.status_code == 302
    sales = db.session.scalar(sa.select(Department).where(Department.code == "sales"))
    assert sales.name_ja == "営業部" and not sales.is_customer_contact
    bad = admin.post(
        "/admin/departments/new",
        {"code": "Bad Code!", "name_ja": "x", "name_en": "x"},
        token_from="/admin/departments/new",
    )
    assert bad.status_code == 200 and 'id="code-error"' in bad.get_data(as_text=True)
    # A department with active people cannot be switched off.
    refused = admin.post(
        f"/admin/departments/{org.qa.id}",
        {"code": "qa", "name_ja": "品質保証部", "name_en": "Quality Assurance"},
        token_from=f"/admin/departments/{org.qa.id}",
    )
    assert "flash-error" in refused.get_data(as_text=True)
    assert db.session.get(Department, org.qa.id).is_active
    renamed = admin.post(
        f"/admin/departments/{sales.id}",
        {"code": "ignored", "name_ja": "営業本部", "name_en": "Sales HQ", "is_active": "y"},
        token_from=f"/admin/departments/{sales.id}",
    )
    assert renamed.status_code == 302
    sales = db.session.get(Department, sales.id)
    assert sales.code == "sales" and sales.name_ja == "営業本部"
    html = admin.get("/admin/departments").get_data(as_text=True)
    assert "営業本部" in html


def test_unknown_user_is_404(org, login_as):
    assert login_as(org.admin).get("/admin/users/9999").status_code == 404
