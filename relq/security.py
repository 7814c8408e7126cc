"""Headers every response carries. No inline script or style is needed by any page, so the
content security policy can forbid them. The CSRF token the pages carry. And what a request
may bring: ids the database can hold, no multipart bodies, forms without control characters."""

import time

from flask import Flask, Response, abort, current_app, g, request, session
from flask_wtf.csrf import generate_csrf
from werkzeug.routing import IntegerConverter

from relq.forms import answer_refused_form_with_422

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if response.mimetype == "text/html":
        # Pages show personal data: keep them out of shared caches and the back-button cache
        # after logout.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


# ---- the CSRF token in every page ----------------------------------------------------------
#
# Flask-WTF signs the session's token afresh for every request (an HMAC with a timestamp, which
# validate_csrf checks against WTF_CSRF_TIME_LIMIT). A token signed for the same session
# token and secret less than CSRF_REUSE_S ago is exactly what it would sign now, a few
# seconds older: the pages of one session reuse it for that long (it then expires that much
# sooner: seconds out of hours).

CSRF_REUSE_S = 60
_signed_tokens: dict[tuple[str, str, str], tuple[float, str]] = {}


def csrf_token() -> str:
    """flask_wtf.csrf.generate_csrf, reusing a token signed moments ago (see above)."""
    config = current_app.config
    field_name = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    raw = session.get(field_name)
    if raw is None or field_name in g:
        return generate_csrf()
    key = (config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, field_name, raw)
    now = time.monotonic()
    hit = _signed_tokens.get(key)
    if hit is not None and now - hit[0] < CSRF_REUSE_S:
        setattr(g, field_name, hit[1])
        return hit[1]
    token = generate_csrf()
    if len(_signed_tokens) > 10_000:
        _signed_tokens.clear()
    _signed_tokens[key] = (now, token)
    return token


# ---- ids in URLs -------------------------------------------------------------------------------
#
# Every id column is an Integer: 32 bits signed on PostgreSQL. A larger number in a URL names no
# row, yet the database refuses to compare a column with it (integer out of range on
# PostgreSQL, OverflowError on SQLite): a 500. Ids start at 1.

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """Flask's `int` converter, bounded to 1..MAX_ID unless a rule says otherwise: a number
    outside does not match, and the URL answers 404."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


# ---- no multipart bodies ------------------------------------------------------------------------
#
# No page of relq takes a file, and werkzeug decodes a multipart body's invalid UTF-8 as U+FFFD
# without a word (a urlencoded body keeps the bytes' %-escapes instead), so what would be saved
# is not what was sent. A page that one day takes files will say so here.


def refuse_multipart() -> None:
    """before_request: a multipart/form-data body answers 415."""
    if request.mimetype == "multipart/form-data":
        abort(415)


def init_security(app: Flask) -> None:
    # Before any blueprint is registered: a rule binds its converters when it is added.
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_multipart)
    app.after_request(answer_refused_form_with_422)
    app.after_request(add_security_headers)
    # (after CSRFProtect.init_app, which installed generate_csrf under this name)
    app.jinja_env.globals["csrf_token"] = csrf_token
