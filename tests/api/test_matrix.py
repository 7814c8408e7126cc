"""The REST API's access matrix: every /api/v1 route × every actor, called with the actor's
own bearer token, as tests/test_access_matrix.py calls the pages. A token acts as its user, so
the expectations are the user's (tests/api/access_rules.py): refused roles 403, a case or
handoff outside the user's scope 404. And per token scope: a read token cannot write (403); no
token, or a browser's session cookie alone, is 401."""

from __future__ import annotations

import pytest
from flask import url_for

from relq import create_app
from tests.access import ANON
from tests.api import access_rules
from tests.api.helpers import ApiClient, make_token
from tests.enps.test_gate_helpers import add_answers, make_round
from tests.factories import make_case

APP = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
ROUTES = sorted(
    (rule.endpoint, method)
    for rule in APP.url_map.iter_rules()
    if rule.endpoint in access_rules.OWN_MATRIX
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
)
# A body each write accepts as to its shape, so that what answers is the access rule and the
# scope (a refused shape would answer 422 before the view looks the case up).
BODIES = {
    "api.v1.cases.create": {
        "kind": "inquiry",
        "channel": "phone",
        "subject": "配送日の確認",
        "customer_words": "いつ届きますか",
    },
    "api.v1.cases.update": {"version": 1, "severity": 2},
    "api.v1.cases.transition": {"action": "start", "version": 1},
    "api.v1.cases.add_case_note": {"kind": "internal", "body": "確認中"},
}


def _actors(org):
    return {
        "operator": org.operator,
        "lead_owner": org.lead_qa,
        "lead_intake": org.lead_cs,
        "lead_other": org.lead_logistics,
        "executive": org.executive,
        "admin": org.admin,
    }


def _setting(app, org, session):
    case = make_case(org.operator, department=org.qa)
    values = access_rules.arguments(org, case)
    survey_round = make_round(org.admin)
    add_answers(survey_round, org.qa, [9, 10, 7, 3, 9, 8])
    values |= {"case_id": case.id, "round_id": survey_round.id}
    session.commit()
    return values


def _url(app, endpoint, values):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        return url_for(endpoint, **{a: values[a] for a in rule.arguments})


@pytest.mark.parametrize(("endpoint", "method"), ROUTES, ids=[f"{e}-{m}" for e, m in ROUTES])
def test_api_route_matrix(app, org, session, endpoint, method):
    values = _setting(app, org, session)
    url = _url(app, endpoint, values)
    allowed = access_rules.EXPECTED[endpoint]
    body = BODIES.get(endpoint) if method != "GET" else None
    assert ANON not in allowed

    anonymous = ApiClient(app).request(method, url, body=body)
    assert anonymous.status_code == 401, (endpoint, "anonymous")
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")

    role_of = {a: a.split("_")[0] for a in _actors(org)}
    for actor, user in _actors(org).items():
        response = ApiClient(app, make_token(user)).request(method, url, body=body)
        if actor in allowed:
            assert response.status_code not in (401, 403, 404, 500), (
                endpoint,
                actor,
                response.status_code,
                response.get_json(),
            )
        else:
            role_may = any(role_of[a] == role_of[actor] for a in allowed)
            expected = 404 if endpoint in access_rules.CASE_ROUTES and role_may else 403
            assert response.status_code == expected, (endpoint, actor, response.status_code)
        if method != "GET":
            read_only = ApiClient(app, make_token(user, scope="read")).request(
                method, url, body=body
            )
            assert read_only.status_code == 403, (endpoint, actor, "read token")


def test_a_session_cookie_alone_is_refused(app, org, session, login_as):
    """A logged-in browser calling the API without a token: 401, whatever its cookie."""
    make_case(org.operator)
    session.commit()
    browser = login_as(org.operator)
    assert browser.get("/cases/").status_code == 200
    response = browser.http.get("/api/v1/cases")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    posted = browser.http.post("/api/v1/cases", json=BODIES["api.v1.cases.create"])
    assert posted.status_code == 401


def test_get_with_a_token_changes_no_state(app, org, session):
    """Every GET of the API, by every role's token, leaves every table as it was, but the
    token's own bookkeeping: its rate counter and when it was last used."""
    import sqlalchemy as sa

    from relq.db import db

    values = _setting(app, org, session)
    clients = [ApiClient(app, make_token(user)) for user in _actors(org).values()]
    bookkeeping = {"api_rate_windows", "api_tokens", "login_sessions"}

    def snapshot():
        counts = {
            t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in db.metadata.sorted_tables
            if t.name not in bookkeeping
        }
        versions = db.session.execute(sa.text("SELECT id, version FROM cases ORDER BY id")).all()
        return counts, [tuple(v) for v in versions]

    db.session.rollback()
    before = snapshot()
    called = 0
    for endpoint, method in ROUTES:
        if method != "GET":
            continue
        url = _url(app, endpoint, values)
        for client in clients:
            client.get(url)
            called += 1
    db.session.rollback()
    assert called >= 6 * 10
    assert snapshot() == before
