"""Role × route × own/other department, generated from the app's URL map.

EXPECTED is written here by hand, independently of the `@allow` declarations in the code: a
new route that is not listed fails `test_every_route_has_an_expectation`, and a route whose
behaviour differs from the table fails its row. Each capability's tests may add their rows in
`tests/<capability>/access_rules.py` (EXPECTED, CASE_ROUTES, REFUSALS, and `arguments(org, case)`
that makes the objects its URLs need and returns their URL arguments).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from relq import create_app
from relq.routing.services import RuleInput, save_rule
from tests.access import ACTORS, ANON, CASE_WORKERS, EVERYONE
from tests.factories import make_case

EXPECTED: dict[str, set[str]] = {
    "static": {ANON},
    "index": {ANON},
    "healthz": {ANON},
    "favicon": {ANON},
    "auth.login": {ANON},
    "auth.language": {ANON},
    "auth.logout": EVERYONE,
    "auth.password": EVERYONE,
    "cases.index": EVERYONE,
    "cases.detail": EVERYONE - {"lead_other"},
    # Only customer-contact departments take cases in.
    "cases.new": {"operator", "lead_intake"},
    "cases.edit": CASE_WORKERS,
    "cases.note": CASE_WORKERS,
    "cases.assign": CASE_WORKERS,
    "tags.decide": CASE_WORKERS,
    "tags.decide_all": CASE_WORKERS,
    "themes.index": EVERYONE,
    "routing.index": {"admin"},
    "routing.new": {"admin"},
    "routing.edit": {"admin"},
    "routing.move": {"admin"},
    "tags.index": {"admin"},
    "tags.new": {"admin"},
    "tags.edit": {"admin"},
    "tags.train": {"admin"},
    "cases.transition": CASE_WORKERS,
    "org.users": {"admin"},
    "org.new_user": {"admin"},
    "org.edit_user": {"admin"},
    "org.departments": {"admin"},
    "org.new_department": {"admin"},
    "org.edit_department": {"admin"},
    "audit.index": {"admin", "executive"},
}
# What an actor who may not call a route gets: a case outside your scope does not exist (404);
# anything else is forbidden (403).
CASE_ROUTES = {
    "cases.detail",
    "cases.edit",
    "cases.note",
    "cases.transition",
    "cases.assign",
    "tags.decide",
    "tags.decide_all",
}
ROLE_OF = {a: a.split("_")[0] for a in ACTORS}
# (endpoint, actor) → the status a refused actor gets, where the rule above does not say it:
# e.g. a lead who may see an escalation but not decide it (403) beside one for whom it does
# not exist (404).
REFUSALS: dict[tuple[str, str], int] = {}

CAPABILITY_RULES = [
    importlib.import_module(f"tests.{path.parent.name}.access_rules")
    for path in sorted(Path(__file__).parent.glob("*/access_rules.py"))
]
# Routes a capability's own matrix checks instead, with its own credentials (the REST API's
# bearer tokens: a logged-in browser session is refused there, so this matrix cannot call them).
OWN_MATRIX: set[str] = set()
for _module in CAPABILITY_RULES:
    assert not set(_module.EXPECTED) & set(EXPECTED), _module.__name__
    EXPECTED |= _module.EXPECTED
    CASE_ROUTES |= set(getattr(_module, "CASE_ROUTES", ()))
    REFUSALS |= getattr(_module, "REFUSALS", {})
    OWN_MATRIX |= set(getattr(_module, "OWN_MATRIX", ()))


def _rules():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return app, [r for r in app.url_map.iter_rules()]


APP, RULES = _rules()


def test_every_route_has_an_expectation():
    endpoints = {rule.endpoint for rule in RULES}
    assert endpoints - set(EXPECTED) == set(), "routes without an access expectation"
    assert set(EXPECTED) - endpoints == set(), "expectations for routes that no longer exist"


def test_undeclared_endpoint_stops_the_app():
    from flask import Flask

    from relq.access import check_endpoints_declared

    app = Flask(__name__)
    app.add_url_rule("/x", "x", lambda: "x")
    with pytest.raises(RuntimeError, match="without an access rule: x"):
        check_endpoints_declared(app)


def _methods(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


CASES = [
    (rule.endpoint, method)
    for rule in RULES
    if rule.endpoint != "static"
    for method in _methods(rule)
]
PAGE_CASES = [(endpoint, method) for endpoint, method in CASES if endpoint not in OWN_MATRIX]


def _arguments(org, case):
    """The URL arguments of every route, making the objects the capabilities' routes need."""
    values = {
        "case_id": case.id if case else 1,
        "user_id": org.operator.id,
        "department_id": org.qa.id,
        "tag_id": 1,
        "rule_id": 1,
    }
    for module in CAPABILITY_RULES:
        if hasattr(module, "arguments"):
            values |= module.arguments(org, case)
    return values


def _url(app, endpoint, org, case, arguments):
    from flask import url_for

    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {arg: arguments[arg] for arg in rule.arguments}
    with app.test_request_context():
        return url_for(endpoint, **values)


def _is_login_redirect(response):
    return response.status_code == 302 and "/login?next=" in response.headers.get("Location", "")


@pytest.mark.parametrize(
    ("endpoint", "method"), PAGE_CASES, ids=[f"{e}-{m}" for e, m in PAGE_CASES]
)
def test_route_matrix(app, org, login_as, client, session, endpoint, method):
    # A case taken in by the contact centre and routed to QA: the QA lead owns it, the
    # logistics lead is "another department".
    case = make_case(org.operator, department=org.qa)
    save_rule(RuleInput("異物は品質保証部へ", org.qa.id, {"words": ["異物"]}), actor=org.admin)
    arguments = _arguments(org, case)
    session.commit()
    url = _url(app, endpoint, org, case, arguments)
    allowed = EXPECTED[endpoint]
    actors = {
        "operator": org.operator,
        "lead_owner": org.lead_qa,
        "lead_intake": org.lead_cs,
        "lead_other": org.lead_logistics,
        "executive": org.executive,
        "admin": org.admin,
    }

    def call(c):
        if method == "GET":
            return c.get(url)
        return c.post(url, {}, token_from="/cases/" if c is not client else "/login")

    response = call(client)
    if ANON in allowed:
        assert response.status_code not in (401, 403), (endpoint, "anonymous")
        assert not _is_login_redirect(response)
    else:
        assert _is_login_redirect(response), (endpoint, "anonymous", response.status_code)

    for actor, user in actors.items():
        response = call(login_as(user))
        if ANON in allowed or actor in allowed:
            assert response.status_code not in (401, 403, 404, 500), (
                endpoint,
                actor,
                response.status_code,
            )
            assert not _is_login_redirect(response), (endpoint, actor)
        else:
            role_may = any(ROLE_OF[a] == ROLE_OF[actor] for a in allowed)
            expected = REFUSALS.get(
                (endpoint, actor), 404 if endpoint in CASE_ROUTES and role_may else 403
            )
            assert response.status_code == expected, (endpoint, actor, response.status_code)


def test_get_never_changes_state(app, org, login_as, session):
    """Every GET route, called by every role, leaves every table as it was."""
    import sqlalchemy as sa

    from relq.db import db

    case = make_case(org.operator, department=org.qa)
    arguments = _arguments(org, case)
    session.commit()
    clients = [login_as(u) for u in (org.operator, org.lead_qa, org.executive, org.admin)]

    def snapshot():
        # A record of reading personal data (relq/privacy/reads.py) is not a state change.
        skipped = {"login_sessions", "personal_data_reads"}
        tables = [t for t in db.metadata.sorted_tables if t.name not in skipped]
        return {
            t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables
        } | {
            "case_version": db.session.scalar(
                sa.text(f"SELECT version FROM cases WHERE id = {case.id}")
            )
        }

    db.session.rollback()
    before = snapshot()
    for endpoint, method in CASES:
        if method != "GET":
            continue
        url = _url(app, endpoint, org, case, arguments)
        for c in clients:
            c.get(url)
    db.session.rollback()
    assert snapshot() == before


def test_can_see_case_agrees_with_the_case_scope(org, session):
    """`access.can_see_case` (one loaded case, no query) answers as `case_scope` does, for
    every role and department against cases taken in and routed in every way."""
    import sqlalchemy as sa

    from relq.access import can_see_case, case_scope
    from relq.cases.models import Case
    from relq.org.models import User
    from tests.factories import make_department, make_user

    shop = make_department("shop", "店舗", "Shop", contact=True)
    shop_operator = make_user("operator", shop)
    cases = [
        make_case(org.operator),
        make_case(org.operator, department=org.qa),
        make_case(org.operator, department=org.logistics),
        make_case(shop_operator),
        make_case(shop_operator, department=org.qa),
    ]
    shop.is_customer_contact = False  # no longer a contact desk: its cases leave the operators'
    session.flush()
    users = session.scalars(sa.select(User)).all()
    inactive = make_user("lead", org.qa)
    inactive.is_active = False
    session.flush()
    for user in [*users, inactive]:
        in_scope = set(
            session.scalars(
                sa.select(Case.id).where(case_scope(user), Case.id.in_([c.id for c in cases]))
            )
        )
        for case in cases:
            assert can_see_case(user, case) == (case.id in in_scope), (
                user.role,
                user.email,
                case.id,
            )
