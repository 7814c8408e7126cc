"""The framework speed-ups (relq/speedups.py) change how fast a page is made, never what it
says: the busy pages are the same, byte for byte but for the one-time tokens, with
them and without them, in both languages."""

from __future__ import annotations

import re

import pytest

from relq.db import transaction
from tests.conftest import Client
from tests.factories import make_case

# What differs between any two renderings: the CSRF token's signature, the intake form's token.
TOKEN = re.compile(r'(name="(?:csrf_token|intake_token)"[^>]*value=")[^"]+"')


def _pages(db_url, org, case_id, *, speedups: bool) -> dict[str, str]:
    import config as settings
    from relq import create_app

    class Config(settings.TestConfig):
        SQLALCHEMY_DATABASE_URI = db_url
        FRAMEWORK_SPEEDUPS = speedups

    app = create_app(Config)
    pages = {}
    with app.app_context():
        for user, language in ((org.operator, "ja"), (org.lead_qa, "en")):
            client = Client(app).login(user)
            if language == "en":
                client.post("/language", {"locale": "en"}, token_from="/cases/")
            for path in ("/cases/", f"/cases/{case_id}", "/cases/new", "/notifications/"):
                response = client.get(path)
                if response.status_code == 200:
                    pages[f"{language} {path}"] = TOKEN.sub(r'\1"', response.get_data(as_text=True))
    return pages


@pytest.mark.slow
def test_pages_are_the_same_with_and_without_the_speedups(app, org, db_url):
    with transaction():
        case = make_case(org.operator, department=org.qa, subject="速さで変わらない案件")
    fast = _pages(db_url, org, case.id, speedups=True)
    plain = _pages(db_url, org, case.id, speedups=False)
    assert len(fast) >= 6 and fast.keys() == plain.keys()
    for page in fast:
        assert fast[page] == plain[page], page
