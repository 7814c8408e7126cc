"""The OpenAPI document itself: 3.1, written from the code (every API route is in it, with
the problems it may answer), schemas valid JSON Schema 2020-12, bodies that refuse unknown
fields. Every answer the API tests get is checked against it by tests/api/helpers.py. And its
browsable page works under the app's strict CSP: nothing inline, nothing from elsewhere."""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator

from tests.api import access_rules
from tests.api.helpers import ApiClient


def _document(app):
    response = ApiClient(app).get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_openapi_3_1_from_the_routes(app):
    document = _document(app)
    assert document["openapi"].startswith("3.1")
    documented = {
        (re.sub(r"\{(\w+)\}", r"<int:\1>", path), method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    routes = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint in access_rules.OWN_MATRIX
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == documented
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_every_operation_lists_its_problems_as_problem_json(app):
    document = _document(app)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("401", "403", "404", "422", "429"):
                assert status in responses, (path, method, status)
                assert list(responses[status]["content"]) == ["application/problem+json"]
            ok = [s for s in responses if s.startswith("2")]
            assert ok and all("application/json" in responses[s]["content"] for s in ok)


def test_schemas_are_valid_and_inputs_refuse_unknown_fields(app):
    document = _document(app)
    schemas = document["components"]["schemas"]
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
    for name in ("CaseCreate", "CaseUpdate", "TransitionIn", "NoteIn", "CaseListQuery"):
        assert schemas[name].get("additionalProperties") is False, name


def test_the_browsable_page_works_under_the_csp(app):
    client = ApiClient(app)
    page = client.http.get("/api/v1/docs")
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = page.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline script"
    assert "style=" not in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert all(s.startswith("/") for s in sources), "nothing from elsewhere"
    for source in sources:
        assert client.http.get(source).status_code in (200, 301), source
    assert "/api/v1/openapi.json" in html
    assert client.http.get("/api/v1/docs/../../config.py").status_code == 404
