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


def test_a_kept_row_of_the_case_list_changes_with_what_it_shows(app, org, login_as):
    """The list's rows are kept under their own values (relq.speedups.fragment): a changed
    subject, a renamed department or another language is a different row, never a stale one."""
    from relq.cases.services import update_case
    from relq.db import db
    from relq.org.services import DepartmentInput, update_department

    with transaction():
        case = make_case(org.operator, department=org.qa, subject="保たれる行の件名")
    operator = login_as(org.operator)
    assert "保たれる行の件名" in operator.get("/cases/").text
    with transaction():
        case = db.session.merge(case)
        update_case(
            case,
            actor=org.operator,
            changes={"subject": "変わった件名"},
            expected_version=case.version,
        )
        qa = db.session.merge(org.qa)
        update_department(qa, DepartmentInput("qa", "品質保証本部", "QA Division"), actor=org.admin)
    page = operator.get("/cases/").text
    assert "変わった件名" in page and "保たれる行の件名" not in page
    assert "品質保証本部" in page
    operator.post("/language", {"locale": "en"}, token_from="/cases/")
    assert "QA Division" in operator.get("/cases/").text
