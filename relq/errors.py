"""One family of domain errors, and the one place that turns them (and HTTP errors) into
answers: a page for people, JSON for programs.

Services raise a DomainError subclass and never call abort(): NotAllowed (403), NotFound
(404), Conflict (409), Invalid (422). `code` names the reason (stable English, for logs, JSON
and the views' words). A view that can do better than the generic answer (show the form again
with its fields marked, show what changed meanwhile) catches the error it knows; everything
else reaches `handle_domain_error`, so views carry no `except ...: abort(403)` ladders.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES


class DomainError(Exception):
    """A use case refused; `status` is its HTTP answer, `code` names why."""

    status = 422

    def __init__(self, code: str = "", *args: object):
        super().__init__(code, *args)
        self.code = code or type(self).__name__


class NotAllowed(DomainError):
    """The actor may not do this (role, department, or the state of the object)."""

    status = 403


class NotFound(DomainError):
    """There is no such object, or the actor may not know that there is (scope)."""

    status = 404


class Conflict(DomainError):
    """Someone else changed the object meanwhile, or its state no longer allows this."""

    status = 409


class Invalid(DomainError):
    """What was asked is not acceptable (a missing or wrong value); `code` says which."""

    status = 422


class CodedError(DomainError):
    """A capability's refusals named by code; "not_allowed" is a 403, the rest are 422."""

    def __init__(self, code: str, *args: object):
        super().__init__(code, *args)
        if code == "not_allowed":
            self.status = 403


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith("/api/") or best == "application/json"


def is_api_request() -> bool:
    """The REST API (relq/api) answers every error as RFC 9457 problem details."""
    return request.path.startswith("/api/")


def problem(
    status: int,
    *,
    detail: str | None = None,
    code: str | None = None,
    errors: list[dict] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An RFC 9457 problem details answer (application/problem+json): `type` about:blank (the
    status says what happened), `title` the status's phrase, `detail` for people, `code` the
    stable reason for programs, `errors` the fields refused (each with its `loc` and `msg`)."""
    body: dict = {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail or HTTP_STATUS_CODES.get(status, "Error"),
    }
    if code:
        body["code"] = code
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _answer(code: int, reason: str | None = None, errors: list[dict] | None = None):
    if is_api_request():
        detail = reason if reason and " " in reason else None
        return problem(code, detail=detail, code=None if detail else reason, errors=errors)
    if wants_json():
        return jsonify(error=reason or str(code), status=code), code
    return render_template("errors/error.html", code=code), code


def handle_domain_error(error: DomainError):
    # A refusal naming a field (MissingInput's field_name, a form's) says which, for programs.
    field_name = getattr(error, "field_name", None)
    errors = getattr(error, "errors", None) or (
        [{"loc": [field_name], "msg": error.code, "type": error.code}] if field_name else None
    )
    return _answer(error.status, error.code, errors)


def register_error_pages(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    for code in (400, 403, 404, 405, 409, 415, 422, 429, 500):
        app.register_error_handler(code, _render(code))
    # Pages never answer these two; the API answers them as problem details.
    for code in (401, 413):
        app.register_error_handler(code, _render_api_only(code))


def _render(code: int):
    def handler(error):
        reason = error.description if isinstance(error, HTTPException) else None
        return _answer(code, reason if wants_json() else None)

    return handler


def _render_api_only(code: int):
    def handler(error):
        if not is_api_request():
            return error
        return problem(code, detail=getattr(error, "description", None))

    return handler
