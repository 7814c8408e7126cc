"""What every /api/v1 request passes before its view: the bearer token (never the session
cookie), the token's scope, the shared rate limit, and a body that is JSON of a sane size.

Runs before relq.access.enforce_endpoint_access (it is installed with the API's blueprint,
before the app adds that check), so the token's user is `current_user` when the endpoint's
`@allow` rule is checked: a token sees and does exactly what its user does.
"""

from __future__ import annotations

from flask import current_app, g, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

from relq.api import ratelimit
from relq.api.tokens import authenticate, stamp_last_used
from relq.db import transaction
from relq.errors import problem

API_PREFIX = "/api/v1"
# Pages of the API that anyone may read: its document and its browsable page.
PUBLIC_ENDPOINTS = ("api.v1.views.openapi", "api.v1.views.docs", "api.v1.views.docs_asset")
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _unauthorised(detail: str):
    return problem(
        401, detail=detail, code="unauthorised", headers={"WWW-Authenticate": 'Bearer realm="relq"'}
    )


def guard_api_request():
    """before_request (app-wide, acting only on /api/v1)."""
    if not request.path.startswith(API_PREFIX + "/") or request.endpoint is None:
        return None  # not the API, or no such route (404/405 as problem details)
    # The session cookie is never read here: without a token a logged-in browser is a stranger.
    g._login_user = current_app.login_manager.anonymous_user()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return _unauthorised("Send your API token as Authorization: Bearer <token>.")
    bearer = authenticate(secret.strip())
    if bearer is None:
        return _unauthorised("The token is unknown or revoked, or its user is deactivated.")
    g._login_user = bearer.user
    g.api_token_id = bearer.token_id
    use_redis = bool(current_app.config.get("REDIS_URL"))
    if bearer.stamp_due or not use_redis:
        with transaction():  # the count (and last use) stand whatever the request then does
            if bearer.stamp_due:
                stamp_last_used(bearer.token_id)
            verdict = None if use_redis else ratelimit.hit(bearer.token_id, bearer.key)
    if use_redis:
        verdict = ratelimit.hit(bearer.token_id, bearer.key)
    g.api_rate = verdict
    if not verdict.allowed:
        return problem(
            429,
            detail="Too many requests for this token: wait and try again.",
            code="rate_limited",
            headers={"Retry-After": str(verdict.retry_after), **_rate_headers(verdict)},
        )
    if request.method in WRITES and bearer.scope != "read_write":
        return problem(403, detail="This token may only read.", code="read_only_token")
    if request.method in WRITES:
        _check_body()
    return None


def _check_body() -> None:
    """A write's body: at most API_MAX_BODY bytes (413), application/json (415), valid JSON in
    UTF-8 (400). What it says is the view's schema's to check (422)."""
    limit = current_app.config["API_MAX_BODY"]
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(f"The body is larger than {limit} bytes.")
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("Send the body as application/json.")
    request.get_data(cache=True)  # a chunked body past the limit: 413 here
    try:
        request.get_json()
    except (BadRequest, RecursionError):  # (nesting deeper than Python's parser goes)
        raise BadRequest("The body is not valid JSON (UTF-8).") from None


def _rate_headers(verdict) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(verdict.limit),
        "RateLimit-Remaining": str(verdict.remaining),
        "RateLimit-Reset": str(verdict.retry_after),
    }


def add_rate_headers(response):
    """after_request on the API: how much of the window is left."""
    verdict = g.get("api_rate")
    if verdict is not None:
        for name, value in _rate_headers(verdict).items():
            response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")
    return response
