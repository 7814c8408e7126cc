"""Headers every response carries. No inline script or style is needed by any page, so the
content security policy can forbid them. And what a request
may bring: ids the database can hold, no multipart bodies, forms without control characters.
(The CSRF token of every page is Flask-WTF's; relq/speedups.py may reuse one signed moments ago.)"""

from flask import Flask, Response, abort, current_app, request
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


# ---- ids in URLs -------------------------------------------------------------------------------
#
# Every id column is an Integer: 32 bits signed on PostgreSQL. A larger number in a URL names no
# row, yet the database refuses to compare a column with it (integer out of range on
# PostgreSQL, OverflowError on SQLite): a 500. Ids start at 1.

MAX_ID = 2**31 - 1


def _at_most(limit: int) -> str:
    """A regular expression for the decimal numbers 1..limit, without leading zeros."""
    digits = str(limit)
    shorter = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    same_length = []
    for i, digit in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            rest = len(digits) - i - 1
            same_length.append(f"{digits[:i]}[{low}-{int(digit) - 1}]" + rf"\d{{{rest}}}")
    return "(?:" + "|".join([*shorter, *same_length, digits]) + ")"


class IdConverter(IntegerConverter):
    """Flask's `int` converter, bounded to 1..MAX_ID unless a rule says otherwise: a number
    outside does not match, and the URL answers 404. With the default bounds the bound is in
    the converter's regular expression itself, so such a URL matches no rule at all: checked
    only after matching, a route split by method (GET and PATCH of one API resource) would
    answer 405 for a PATCH to an id out of range."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)
        if (fixed_digits, min, max, signed) == (0, 1, MAX_ID, False):
            self.regex = _ID_PATTERN


_ID_PATTERN = _at_most(MAX_ID)


# ---- no multipart bodies ------------------------------------------------------------------------
#
# Werkzeug decodes a multipart body's invalid UTF-8 as U+FFFD without a word (a urlencoded
# body keeps the bytes' %-escapes instead), so what would be saved is not what was sent. Only
# an endpoint marked `takes_files` accepts one (the eNPS import's upload): it reads the file's
# bytes itself, and its other fields are a CSRF token and ids.


def takes_files(view):
    """Mark an endpoint that takes an uploaded file (multipart/form-data)."""
    view.relq_takes_files = True
    return view


def refuse_multipart() -> None:
    """before_request: a multipart/form-data body answers 415, but at a `takes_files` endpoint."""
    if request.mimetype == "multipart/form-data":
        view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
        if not getattr(view, "relq_takes_files", False):
            abort(415)


def init_security(app: Flask) -> None:
    # Before any blueprint is registered: a rule binds its converters when it is added.
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_multipart)
    app.after_request(answer_refused_form_with_422)
    app.after_request(add_security_headers)
