"""Languages and time zones. Japanese is the default; each user picks their own language,
a visitor picks one for the login page (kept in their session)."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import Flask, current_app, session
from flask.globals import _cv_app
from flask_babel import Babel, format_datetime, get_locale, get_timezone
from flask_login import current_user

babel = Babel()


def select_locale() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


# ---- the viewer's language and zone, looked up once per request ------------------------------
#
# Flask-Babel answers get_locale()/get_timezone() from its per-request namespace (g._flask_babel)
# but every call walks three proxies and turns the Locale into a string again; a page asks
# dozens of times (each `_()` in a template, each date). The memo below sits in the same
# namespace, next to the Locale it was made from, and is used only while that very object is
# still the request's locale: `force_locale()` and `refresh()` replace or drop it, and the memo
# is then made again.


def _babel_namespace() -> SimpleNamespace | None:
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return None
    found = app_ctx.g.__dict__.get("_flask_babel")
    if found is None:
        found = app_ctx.g._flask_babel = SimpleNamespace()
    return found


def locale_code() -> str:
    """The viewer's language code ("ja", "en"), as str(get_locale())."""
    ns = _babel_namespace()
    if ns is None:
        return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    values = ns.__dict__
    memo = values.get("relq_locale")
    if memo is not None and memo[0] is values.get("babel_locale"):
        return memo[1]
    locale = get_locale()
    ns.relq_locale = (locale, str(locale))
    return ns.relq_locale[1]


def viewer_zone() -> ZoneInfo:
    """The viewer's time zone as a ZoneInfo (Flask-Babel's is pytz), from the same selector,
    once per request (or again when Flask-Babel's own choice is set or replaced)."""
    ns = _babel_namespace()
    if ns is None:
        return ZoneInfo(str(get_timezone()))
    values = ns.__dict__
    chosen = values.get("babel_tzinfo")
    memo = values.get("relq_zone")
    if memo is not None and memo[0] is chosen:
        return memo[1]
    zone = ZoneInfo(str(chosen) if chosen is not None else select_timezone())
    ns.relq_zone = (chosen, zone)
    return zone


def local_datetime(value: datetime | None, style: str = "short") -> str:
    """A stored UTC time as the viewer reads it: their zone, their language's format.
    The short and input forms are numeric, the same in every language (and cheap: a list
    page formats dozens of them)."""
    if value is None:
        return ""
    if style in ("short", "input"):
        local = value.astimezone(viewer_zone())
        return local.strftime("%Y-%m-%d %H:%M" if style == "short" else "%Y-%m-%dT%H:%M")
    return format_datetime(value, style)


_vocabularies: dict[tuple[str, int], dict] = {}


def translated(mapping: dict) -> dict:
    """`mapping`'s lazy labels as plain strings in the viewer's language; with the framework
    speed-ups (relq/speedups.py) computed once per language and process: a list of 25 cases
    would otherwise translate ~100 labels a page."""
    if not current_app.config.get("FRAMEWORK_SPEEDUPS", True):
        return {code: str(label) for code, label in mapping.items()}
    key = (locale_code(), id(mapping))
    found = _vocabularies.get(key)
    if found is None:
        found = _vocabularies[key] = {code: str(label) for code, label in mapping.items()}
    return found


def phone_number(digits: str | None) -> str:
    """Stored digits as people read a Japanese number: 090-1234-5678, 03-1234-5678."""
    if not digits:
        return ""
    if len(digits) == 11 and digits.startswith(("070", "080", "090", "050")):
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if len(digits) == 10 and digits.startswith(("03", "06")):
        return f"{digits[:2]}-{digits[2:6]}-{digits[6:]}"
    if len(digits) == 10 and digits.startswith("0120"):
        return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
    return digits


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters["local_dt"] = local_datetime
    app.jinja_env.filters["phone"] = phone_number
    app.jinja_env.globals["current_locale"] = locale_code
    app.jinja_env.globals["translated"] = translated
