"""Personal API tokens: the secret shown once and only its digest kept; revoked or a
deactivated user's token is 401; last use stamped at most once a minute and shown; audited
(never the secret); admins see and revoke everyone's. And the curl walkthrough: a token made
on the page, then used."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import sqlalchemy as sa

from relq.api.models import ApiToken
from relq.api.tokens import authenticate, stamp_last_used
from relq.audit.models import AuditEvent
from relq.db import db, transaction, utcnow
from tests.api.helpers import ApiClient, make_token
from tests.factories import make_case

SECRET = re.compile(r'data-testid="token-secret">([^<]+)</textarea>')


def _create_on_page(browser, name="連携", scope="read_write"):
    return browser.post(
        "/settings/api-tokens/",
        {"name": name, "scope": scope},
        token_from="/settings/api-tokens/",
    )


def test_curl_walkthrough_token_from_the_page_then_used(app, org, session, login_as):
    """A newcomer: makes a token on the page, copies it once, lists and creates cases with it."""
    make_case(org.operator, department=org.qa, subject="配送が遅れている")
    session.commit()
    browser = login_as(org.operator)
    page = _create_on_page(browser)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    secret = SECRET.search(html).group(1)
    assert secret.startswith("relq_")
    assert page.headers["Cache-Control"] == "no-store"
    # Shown once: the page again does not show it.
    again = browser.get("/settings/api-tokens/").get_data(as_text=True)
    assert secret not in again and "連携" in again

    api = ApiClient(app, secret)
    listed = api.get("/api/v1/cases")
    assert listed.status_code == 200
    assert [c["subject"] for c in listed.get_json()["items"]] == ["配送が遅れている"]
    made = api.post(
        "/api/v1/cases",
        {
            "kind": "complaint",
            "channel": "web",
            "subject": "API から登録",
            "customer_words": "箱が潰れていた",
        },
    )
    assert made.status_code == 201
    assert made.headers["Location"] == f"/api/v1/cases/{made.get_json()['id']}"
    assert api.get(made.headers["Location"]).get_json()["subject"] == "API から登録"


def test_only_the_digest_is_stored_and_the_secret_never_audited(app, org, session):
    secret = make_token(org.operator, name="CTI 連携")
    row = session.scalars(sa.select(ApiToken)).one()
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(v) for v in session.execute(sa.select(ApiToken.__table__)).one()]
    assert not any(secret in value for value in stored)
    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "api_token"))
    (created,) = events.all()
    assert created.action == "api_token.created"
    assert secret not in repr(created.after) and created.after["name"] == "CTI 連携"


def test_revoked_token_is_401_and_revoking_is_audited(app, org, session, login_as):
    secret = make_token(org.operator)
    api = ApiClient(app, secret)
    assert api.get("/api/v1/me").status_code == 200
    token_id = session.scalar(sa.select(ApiToken.id))
    browser = login_as(org.operator)
    revoked = browser.post(
        f"/settings/api-tokens/{token_id}/revoke", {}, token_from="/settings/api-tokens/"
    )
    assert revoked.status_code == 302
    refused = api.get("/api/v1/me")
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    actions = session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.entity_type == "api_token")
    ).all()
    assert sorted(actions) == ["api_token.created", "api_token.revoked"]


def test_someone_elses_token_cannot_be_revoked_but_by_an_admin(app, org, session, login_as):
    make_token(org.operator)
    token_id = session.scalar(sa.select(ApiToken.id))
    other = login_as(org.operator2)
    response = other.post(
        f"/settings/api-tokens/{token_id}/revoke", {}, token_from="/settings/api-tokens/"
    )
    assert response.status_code == 404
    assert session.get(ApiToken, token_id).revoked_at is None
    admin = login_as(org.admin)
    everyone = admin.get("/settings/api-tokens/all").get_data(as_text=True)
    assert org.operator.email in everyone
    assert (
        admin.post(
            f"/settings/api-tokens/{token_id}/revoke", {}, token_from="/settings/api-tokens/all"
        ).status_code
        == 302
    )
    session.expire_all()
    assert session.get(ApiToken, token_id).revoked_at is not None


def test_a_deactivated_users_token_is_401(app, org, session):
    secret = make_token(org.lead_qa)
    api = ApiClient(app, secret)
    assert api.get("/api/v1/me").get_json()["role"] == "lead"
    org.lead_qa.is_active = False
    session.commit()
    assert api.get("/api/v1/me").status_code == 401
    assert api.get("/api/v1/cases").status_code == 401


def test_unknown_and_malformed_credentials_are_401(app, org, session):
    make_token(org.operator)
    for header in (
        "Bearer relq_nope",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
        "relq_x",
        "Bearer " + "x" * 300,
    ):
        response = ApiClient(app).get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_last_used_is_stamped_at_most_once_a_minute_and_shown(app, org, session, login_as):
    secret = make_token(org.operator, name="夜間バッチ")
    token_id = session.scalar(sa.select(ApiToken.id))
    browser = login_as(org.operator)
    assert "Never" in browser.get("/settings/api-tokens/").get_data(as_text=True) or "未使用" in (
        browser.get("/settings/api-tokens/").get_data(as_text=True)
    )
    api = ApiClient(app, secret)
    api.get("/api/v1/me")
    session.expire_all()
    first = session.get(ApiToken, token_id).last_used_at
    assert first is not None
    api.get("/api/v1/me")
    session.expire_all()
    assert session.get(ApiToken, token_id).last_used_at == first  # within the minute: no write
    # A minute later it is written again (the condition is in the UPDATE itself).
    with transaction():
        assert not stamp_last_used(token_id, now=first + timedelta(seconds=30))
        assert stamp_last_used(token_id, now=first + timedelta(seconds=61))
    page = browser.get("/settings/api-tokens/").get_data(as_text=True)
    row = re.search(r'data-testid="last-used">([^<]+)<', page).group(1)
    assert row.strip() and "Never" not in row and "未使用" not in row


def test_authenticate_reads_only(app, org, session):
    secret = make_token(org.operator)
    bearer = authenticate(secret, now=utcnow())
    assert bearer.user.id == org.operator.id and bearer.stamp_due
    assert not db.session.dirty and not db.session.new


def test_the_page_refuses_a_bad_name_and_scope(app, org, session, login_as):
    browser = login_as(org.operator)
    for name, scope in (("", "read"), ("x" * 81, "read"), ("ok", "admin"), ("a\x00b", "read")):
        response = _create_on_page(browser, name=name, scope=scope)
        assert response.status_code == 422, (name, scope)
    assert session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
