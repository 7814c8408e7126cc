"""Japanese by default, English on request, Tokyo time; and the headers every page carries."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.pofile import read_po

from relq.db import db
from tests.factories import make_case

PO = Path(__file__).resolve().parent.parent / "relq/translations/ja/LC_MESSAGES/messages.po"
POT = PO.parent.parent.parent / "messages.pot"


def test_every_message_has_a_japanese_translation_with_the_same_placeholders():
    catalog = read_po(PO.open("rb"))
    template = read_po(POT.open("rb"))
    missing, broken = [], []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        strings = translated.string if translated else None
        strings = strings if isinstance(strings, tuple) else (strings,)
        if not translated or not all(strings):
            missing.append(message.id)
            continue
        source = message.id[0] if isinstance(message.id, tuple) else message.id
        want = set(re.findall(r"%\(\w+\)[sd]", source))
        if any(set(re.findall(r"%\(\w+\)[sd]", s)) != want for s in strings):
            broken.append(message.id)
    assert missing == [], "untranslated (run `make messages` and translate)"
    assert broken == [], "placeholders differ from the source"


def test_japanese_by_default_english_on_request(org, client, login_as):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ja">' in page and "ログイン" in page
    switched = client.post("/language", {"locale": "en", "next": "/login"})
    assert switched.status_code == 302
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page
    # A logged-in user's own choice is stored with them.
    user = login_as(org.operator)
    user.post("/language", {"locale": "en"}, token_from="/cases/")
    assert '<html lang="en">' in user.get("/cases/").get_data(as_text=True)
    db.session.refresh(org.operator)
    assert org.operator.locale == "en"


def test_times_are_shown_in_tokyo(org, login_as):
    case = make_case(org.operator, received_at=datetime(2026, 3, 31, 15, 30, tzinfo=UTC))
    html = login_as(org.operator).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "2026-04-01 00:30" in html  # the next day in Japan
    assert case.ref.startswith("C-2026-")


def test_security_headers(org, client, login_as):
    for response in (client.get("/login"), login_as(org.operator).get("/cases/")):
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store"
        cookie = response.headers.get("Set-Cookie", "")
        if cookie:
            assert "HttpOnly" in cookie


def test_pages_carry_no_inline_script(org, login_as):
    case = make_case(org.operator, department=org.qa)
    client = login_as(org.operator)
    for path in ("/cases/", f"/cases/{case.id}", "/cases/new", f"/cases/{case.id}/edit"):
        html = client.get(path).get_data(as_text=True)
        assert re.search(r"<script(?![^>]*\bsrc=)", html) is None, path
        assert " style=" not in html and "onclick" not in html, path


def test_the_favicon_is_there(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response.headers["Location"])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
