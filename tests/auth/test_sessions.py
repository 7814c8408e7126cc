"""Logging in and out, for real: a copied cookie dies with the logout."""

from __future__ import annotations

import sqlalchemy as sa

from relq.auth.models import LoginSession
from relq.db import db
from relq.org.services import update_user
from tests.conftest import Client
from tests.factories import PASSWORD


def _cookie(client):
    cookie = client.http._client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_login_and_wrong_password(org, client):
    bad = client.post("/login", {"email": org.operator.email, "password": "wrong password!"})
    assert bad.status_code == 200 and "flash-error" in bad.get_data(as_text=True)
    assert client.get("/cases/").status_code == 302
    good = client.post("/login", {"email": org.operator.email.upper(), "password": PASSWORD})
    assert good.status_code == 302
    assert client.get("/cases/").status_code == 200


def test_logout_kills_a_copied_cookie(org, client, app):
    client.login(org.operator)
    stolen = _cookie(client)
    assert client.post("/logout", {}, token_from="/cases/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/cases/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    ended = db.session.scalar(sa.select(LoginSession))
    assert ended.ended_at is not None


def test_logout_needs_post(org, login_as):
    client = login_as(org.operator)
    assert client.get("/logout").status_code == 405
    assert client.get("/cases/").status_code == 200  # still logged in


def test_password_change_ends_every_other_login(org, app, login_as):
    laptop = login_as(org.operator)
    phone = login_as(org.operator)
    stolen = _cookie(laptop)
    response = laptop.post(
        "/account/password",
        {
            "current": PASSWORD,
            "new": "a much better passphrase",
            "confirm": "a much better passphrase",
        },
        token_from="/account/password",
    )
    assert response.status_code == 302
    assert laptop.get("/cases/").status_code == 200  # the one who changed it stays in
    assert phone.get("/cases/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/cases/").status_code == 302
    # The new password works, the old one does not.
    c = Client(app)
    assert c.post("/login", {"email": org.operator.email, "password": PASSWORD}).status_code == 200
    assert (
        c.post(
            "/login", {"email": org.operator.email, "password": "a much better passphrase"}
        ).status_code
        == 302
    )


def test_password_rules(org, login_as):
    client = login_as(org.operator)
    response = client.post(
        "/account/password",
        {"current": "not my password", "new": "long enough pass", "confirm": "long enough pass"},
        token_from="/account/password",
    )
    assert response.status_code == 200 and 'id="new-error"' in response.get_data(as_text=True)
    short = client.post(
        "/account/password",
        {"current": PASSWORD, "new": "short", "confirm": "short"},
        token_from="/account/password",
    )
    assert 'id="new-error"' in short.get_data(as_text=True)


def test_deactivated_user_is_out_at_once(org, login_as):
    client = login_as(org.operator)
    assert client.get("/cases/").status_code == 200
    update_user(
        org.operator,
        actor=org.admin,
        role="operator",
        department_id=org.cs.id,
        is_active=False,
        name=org.operator.name,
    )
    db.session.commit()
    assert client.get("/cases/").status_code == 302
    again = Client(client.app)
    response = again.post("/login", {"email": org.operator.email, "password": PASSWORD})
    assert response.status_code == 200  # refused


def test_login_is_throttled(org, client, app):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", {"email": org.operator.email, "password": "guess guess"})
    response = client.post("/login", {"email": org.operator.email, "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/cases/").status_code == 302


def test_login_does_not_redirect_off_site(org, client):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.post(
            "/login", {"email": org.operator.email, "password": PASSWORD, "next": target}
        )
        assert response.status_code == 302
        assert "evil" not in response.headers["Location"]
        assert "javascript" not in response.headers["Location"]
        client.post("/logout", {}, token_from="/cases/")


def test_login_keeps_a_safe_next(org, client):
    response = client.post(
        "/login",
        {"email": org.operator.email, "password": PASSWORD, "next": "/cases/?kind=inquiry"},
    )
    assert response.headers["Location"] == "/cases/?kind=inquiry"


def test_post_without_csrf_is_refused(org, client):
    response = client.post(
        "/login", {"email": org.operator.email, "password": PASSWORD}, csrf=False
    )
    assert response.status_code == 400
    assert client.get("/cases/").status_code == 302


def test_session_id_changes_at_login(org, client):
    client.get("/login")
    before = client.http._client.get_cookie("session").value
    client.post("/login", {"email": org.operator.email, "password": PASSWORD})
    assert client.http._client.get_cookie("session").value != before


def test_each_role_lands_where_its_work_waits(org, login_as):
    landing = {
        org.operator: "/cases/",
        org.lead_qa: "/inbox/",
        org.executive: "/digest/",  # the weekly digest: what rose, what waits for them
        org.admin: "/admin/users",
    }
    for user, path in landing.items():
        response = login_as(user).get("/")
        assert response.status_code == 302 and response.headers["Location"].endswith(path), user
