"""Framework speed-ups: what Flask, Flask-Babel and Flask-WTF would recompute on every request
although the answer cannot have changed. They are not caches of relq's data (those are named
topics in relq/cache.py): each keeps something that depends only on the process (the
translation catalogues, the URL map) or on the request's own session, so no other process can
make it wrong.

All of them sit behind one setting, FRAMEWORK_SPEEDUPS (`RELQ_FRAMEWORK_SPEEDUPS=0` gives the
plain frameworks: to debug, or to measure what they save), and tests/test_speedups.py checks
that pages are the same either way:
- `url_for` in templates: the URL of an endpoint without arguments, or of a static file;
- `_()` / `ngettext()` in templates: the catalogue found once per language, a message without
  variables translated once per language;
- `translated()` (relq/i18n.py): vocabularies (kinds, statuses ...) worded once per language;
- the CSRF token: one signed moments ago for the same session is reused (CSRF_REUSE_S);
- the logged-in user (relq/auth/services.py `load_login_user`): the login is checked against
  the database on every request; the User object is built again only when its row changed;
- `fragment()` in templates: the HTML of a piece drawn from plain values (a row of the case
  list) kept under everything it shows, so drawing it again is a lookup.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_translations
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup

from relq.i18n import locale_code, viewer_zone


def enabled() -> bool:
    return bool(current_app.config.get("FRAMEWORK_SPEEDUPS", True))


def install(app: Flask) -> None:
    """Put the speed-ups in place of the frameworks' own template globals (after CSRFProtect
    and Flask-Babel have installed theirs)."""
    if not app.config.get("FRAMEWORK_SPEEDUPS", True):
        app.jinja_env.globals["fragment"] = _draw
        return
    app.jinja_env.globals["url_for"] = _template_url_for(app)
    app.jinja_env.globals.update(
        _=template_gettext, gettext=template_gettext, ngettext=template_ngettext
    )
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["fragment"] = fragment


# ---- url_for in templates ----------------------------------------------------------------------
#
# The URL of an endpoint without arguments (the menu, the header) or of a static file is the
# same for every request to the same host and script root, so it is built once and kept.


def _template_url_for(app: Flask):
    build = app.url_for
    built: dict[tuple, str] = {}

    def url_for(endpoint: str, **values) -> str:
        if (
            endpoint.startswith(".")
            or (values and (endpoint != "static" or values.keys() != {"filename"}))
            or not has_request_context()
        ):
            return build(endpoint, **values)
        key = (request.host, request.script_root, endpoint, values.get("filename"))
        found = built.get(key)
        if found is None:
            found = build(endpoint, **values)
            if len(built) < 1000:
                built[key] = found
        return found

    return url_for


# ---- `_()` in templates ------------------------------------------------------------------------
#
# The same as Flask-Babel's callables (jinja2.ext.i18n "newstyle": the translation, marked safe
# under autoescape, then `% variables` with the variables escaped), minus the lookups: the
# translation catalogue of each language is found once per process, and a message without
# variables is translated and formatted once per language (the catalogues never change while
# the process runs).

_catalogues: dict[str, Any] = {}
_plain_messages: dict[tuple[str, str, bool], str] = {}


def _catalogue(code: str):
    found = _catalogues.get(code)
    if found is None:
        found = get_translations()
        if type(found).__name__ == "NullTranslations":  # outside a request: do not keep
            return found
        _catalogues[code] = found
    return found


@pass_context
def template_gettext(__context, __string: str, **variables) -> str:
    autoescape = __context.eval_ctx.autoescape
    code = locale_code()
    if not variables:
        key = (code, __string, autoescape)
        found = _plain_messages.get(key)
        if found is None:
            rv = _catalogue(code).ugettext(__string)
            found = (Markup(rv) if autoescape else rv) % variables  # noqa: S704 (as jinja2.ext)
            if len(_plain_messages) < 10_000:  # template literals; a bound all the same
                _plain_messages[key] = found
        return found
    rv = _catalogue(code).ugettext(__string)
    if autoescape:
        rv = Markup(rv)  # noqa: S704  (the catalogue is ours; jinja2.ext does the same)
    return rv % variables


@pass_context
def template_ngettext(__context, __singular: str, __plural: str, __num: int, **variables) -> str:
    variables.setdefault("num", __num)
    rv = _catalogue(locale_code()).ungettext(__singular, __plural, __num)
    if __context.eval_ctx.autoescape:
        rv = Markup(rv)  # noqa: S704  (the catalogue is ours; jinja2.ext does the same)
    return rv % variables


# ---- the CSRF token in every page --------------------------------------------------------------
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


# ---- the logged-in user ------------------------------------------------------------------------
#
# Every request reads its login row with the user's and department's columns (relq/auth). The
# User built from them is kept per user id together with that row, and reused only while the
# row read now is identical, column for column: any change (role, name, language, department,
# password) and the user is built again.

_known_users: dict[int, tuple[tuple, Any]] = {}


def known_user(user_id: int, row: tuple) -> Any | None:
    """The detached User kept for `user_id` if it was built from exactly `row`."""
    if not enabled():
        return None
    found = _known_users.get(user_id)
    return found[1] if found is not None and found[0] == row else None


def keep_user(user_id: int, row: tuple, user: Any) -> None:
    if not enabled():
        return
    if len(_known_users) > 1000:
        _known_users.clear()
    _known_users[user_id] = (row, user)


# ---- fragments ---------------------------------------------------------------------------------
#
# A row of the case list is drawn from a CaseRow (a tuple of plain values), its deadline's state,
# and the viewer's language, time zone and script root: the same inputs always give the same
# HTML, so the HTML is kept under the inputs themselves. No change anywhere can make a kept
# fragment wrong: a changed case is a different tuple, hence a different key (like a cache
# keyed on a record's version). Drawing a row costs ~140 us of Jinja and escaping, 25 rows a
# page; found, a dict lookup. Bounded, least recently used first out.

FRAGMENTS_MAX = 20_000
_fragments: OrderedDict[tuple, Markup] = OrderedDict()
_fragments_lock = threading.Lock()


def _draw(_key: tuple, draw: Any, *args: Any, **kwargs: Any) -> Markup:
    return draw(*args, **kwargs)  # a macro: its output is Markup, escaped as it was drawn


def fragment(key: tuple, draw: Any, *args: Any, **kwargs: Any) -> Markup:
    """`draw(*args, **kwargs)` (a macro), kept under `key`: a tuple of EVERY value the fragment
    shows besides the language, time zone and script root, which are added here."""
    full_key = (key, locale_code(), viewer_zone().key, request.script_root)
    found = _fragments.get(full_key)
    if found is not None:
        return found
    html = draw(*args, **kwargs)
    with _fragments_lock:
        _fragments[full_key] = html
        _fragments.move_to_end(full_key)
        while len(_fragments) > FRAGMENTS_MAX:
            _fragments.popitem(last=False)
    return html
