"""Languages and time zones. Japanese is the default; each user picks their own language,
a visitor picks one for the login page (kept in their session)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, session
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


def local_datetime(value: datetime | None, style: str = "short") -> str:
    """A stored UTC time as the viewer reads it: their zone, their language's format.
    The short and input forms are numeric, the same in every language (and cheap: a list
    page formats dozens of them)."""
    if value is None:
        return ""
    if style in ("short", "input"):
        local = value.astimezone(ZoneInfo(str(get_timezone())))
        return local.strftime("%Y-%m-%d %H:%M" if style == "short" else "%Y-%m-%dT%H:%M")
    return format_datetime(value, style)


_vocabularies: dict[tuple[str, int], dict] = {}


def translated(mapping: dict) -> dict:
    """`mapping`'s lazy labels as plain strings in the viewer's language, computed once per
    language and process: a list of 25 cases would otherwise translate ~100 labels a page."""
    key = (str(get_locale()), id(mapping))
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
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.globals["translated"] = translated
