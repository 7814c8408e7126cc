"""One family of domain errors, and the one place that turns them (and HTTP errors) into
answers: a page for people, JSON for programs.

Services raise a DomainError subclass and never call abort(): NotAllowed (403), NotFound
(404), Conflict (409), Invalid (422). `code` names the reason (stable English, for logs, JSON
and the views' words). A view that can do better than the generic answer (show the form again
with its fields marked, show what changed meanwhile) catches the error it knows; everything
else reaches `handle_domain_error`, so views carry no `except ...: abort(403)` ladders.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


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


def _answer(code: int, reason: str | None = None):
    if wants_json():
        return jsonify(error=reason or str(code), status=code), code
    return render_template("errors/error.html", code=code), code


def handle_domain_error(error: DomainError):
    return _answer(error.status, error.code)


def register_error_pages(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    for code in (400, 403, 404, 405, 409, 415, 422, 429, 500):
        app.register_error_handler(code, _render(code))


def _render(code: int):
    def handler(error):
        reason = error.description if isinstance(error, HTTPException) else None
        return _answer(code, reason if wants_json() else None)

    return handler
