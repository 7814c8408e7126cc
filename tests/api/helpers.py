"""The API's test client: a bearer token, JSON bodies, and every answer checked against the
served OpenAPI document (the contract: a status the document does not list, or a body that
does not fit its schema, fails the test that got it)."""

from __future__ import annotations

import contextvars
import json
import re
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator

from relq.api.tokens import create_token
from relq.db import db, transaction

_documents: dict[int, dict] = {}
CHECKED: list[tuple[str, str, int]] = []  # (method, path template, status) of every answer


def make_token(user, scope: str = "read_write", name: str = "test") -> str:
    db.session.commit()  # what the test set up stands (transaction() starts afresh)
    with transaction():
        return create_token(user, name=name, scope=scope).secret


def _document(app) -> dict:
    found = _documents.get(id(app))
    if found is None:
        response = app.test_client().get("/api/v1/openapi.json")
        assert response.status_code == 200
        found = _documents[id(app)] = response.get_json()
    return found


def _operation(document: dict, method: str, path: str):
    for template, operations in document["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            return template, operations[method.lower()]
    return None, None


def check_contract(app, method: str, url: str, response) -> None:
    """The answer fits the document: its status is listed for the operation, with the media
    type and a body valid against the listed schema."""
    path = urlsplit(url).path
    if path == "/api/v1/openapi.json" or path.startswith("/api/v1/docs"):
        return  # the document and its page describe the API; they are not in it
    document = _document(app)
    template, operation = _operation(document, method, path)
    if operation is None:
        # An address the document does not describe answers a problem (404 or 405).
        assert response.status_code in (404, 405), (method, path, response.status_code)
        assert response.mimetype == "application/problem+json"
        return
    listed = operation["responses"].get(str(response.status_code))
    assert listed is not None, (method, template, response.status_code, response.get_data()[:300])
    content = listed.get("content")
    if content:
        assert response.mimetype in content, (method, template, response.mimetype, list(content))
        schema = dict(content[response.mimetype]["schema"])
        schema["components"] = document["components"]
        body = json.loads(response.get_data())
        errors = sorted(Draft202012Validator(schema).iter_errors(body), key=str)
        assert not errors, (method, template, response.status_code, [e.message for e in errors])
    CHECKED.append((method, template, response.status_code))


class ApiClient:
    """Calls /api/v1 with a bearer token (or none), in a fresh context per request as the
    page clients do (tests/conftest.py), checking each answer against the contract."""

    def __init__(self, app, secret: str | None = None, *, http=None):
        self.app = app
        self.secret = secret
        self.http = http or app.test_client()

    def request(self, method: str, url: str, *, body=None, raw=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if self.secret is not None:
            headers.setdefault("Authorization", f"Bearer {self.secret}")
        if body is not None:
            kwargs["data"] = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        elif raw is not None:
            kwargs["data"] = raw
        db.session.commit()
        response = contextvars.Context().run(
            self.http.open, url, method=method, headers=headers, **kwargs
        )
        db.session.commit()
        check_contract(self.app, method, url, response)
        return response

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, body=None, **kwargs):
        return self.request("POST", url, body=body, **kwargs)

    def patch(self, url, body=None, **kwargs):
        return self.request("PATCH", url, body=body, **kwargs)
