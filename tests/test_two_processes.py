"""Two real processes on one database (SQLite file or PostgreSQL): whatever one of them
changes, the other's very next request shows, for every cached topic (relq/cache.py).

The server under test runs in its own interpreter (tests/nodes.py), warmed so that it holds
every cache; this test process makes the changes through relq's services, as another node
would, and then asks the server. The other way round too: a change made through the server
is seen by this process's cached reads.
"""

from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import select

from relq.cases.models import Case
from relq.db import db, transaction
from relq.deadlines.services import policy_for, update_policy
from relq.org.services import DepartmentInput, department_choices, update_department, update_user
from relq.routing.services import RuleInput, active_rules, save_rule
from relq.tags.services import TagInput, save_tag, tag_options
from tests.factories import PASSWORD, make_case
from tests.nodes import Browser, acknowledge_minutes, intake_fields, serve

pytestmark = pytest.mark.slow


def _intake(browser: Browser, subject: str, words: str, *, severity: int = 1) -> Case:
    response = browser.post(
        "/cases/new",
        intake_fields(subject, words, received_at="2026-12-01T10:30", severity=severity),
        token_from="/cases/new",
    )
    assert response.status_code == 302, response.text[:800]
    db.session.rollback()  # a new transaction: see what the other process committed
    return db.session.scalars(select(Case).where(Case.subject == subject)).one()


def test_every_cached_topic_changed_in_one_process_is_seen_by_the_next_request_of_the_other(
    app, org, db_url
):
    with transaction():
        rule = save_rule(
            RuleInput("異物は品質保証部へ", org.qa.id, {"words": ["異物"]}), actor=org.admin
        )
        save_rule(
            RuleInput("配送は物流部へ", org.logistics.id, {"words": ["配送"]}), actor=org.admin
        )
        category = save_tag(TagInput("cat-x", "分類X", "Category X", None, []), actor=org.admin)
    rule_id, category_id = rule.id, category.id

    with serve(db_url) as base:
        operator = Browser(base).login(org.operator.email, PASSWORD)
        admin = Browser(base).login(org.admin.email, PASSWORD)
        lead = Browser(base).login(org.lead_logistics.email, PASSWORD)

        # Warm every cache of the server: routing rules, policies, departments, tags, the
        # case list and its count, the menu's badges, the login of each person.
        first = _intake(operator, "一件目 異物", "中に異物が入っていました")
        assert first.responsible_department_id == org.qa.id
        assert acknowledge_minutes(first.id) == 60
        assert "品質保証部" in operator.get("/cases/new").text
        listing = operator.get("/cases/").text
        assert first.ref in listing and "液漏れX" not in listing
        assert lead.get("/cases/").status_code == 200

        # Another node changes each topic.
        with transaction():
            save_rule(
                RuleInput("異物は品質保証部へ", org.qa.id, {"words": ["異物"]}, is_active=False),
                actor=org.admin,
                rule=db.session.get(type(rule), rule_id),
            )
            old = policy_for(1)
            update_policy(1, old._replace(acknowledge=999), actor=org.admin)
            update_department(
                org.qa, DepartmentInput("qa", "品質管理本部", "QA Division"), actor=org.admin
            )
            save_tag(
                TagInput("x-leak", "液漏れX", "Leak X", category_id, ["液漏れ"]), actor=org.admin
            )
            elsewhere = make_case(org.operator2, subject="別ノードで登録した案件")
            update_user(
                org.lead_logistics,
                actor=org.admin,
                role="executive",
                department_id=org.logistics.id,
                is_active=True,
                name=org.lead_logistics.name,
            )

        # The server's very next requests show every change.
        second = _intake(operator, "二件目 異物", "配送された箱にまた異物が入っていました")
        assert second.responsible_department_id == org.logistics.id, "routed by a disabled rule"
        assert acknowledge_minutes(second.id) == 999, "the old deadline policy"
        form = operator.get("/cases/new").text
        assert "品質管理本部" in form and "品質保証部" not in form
        listing = operator.get("/cases/").text
        assert elsewhere.ref in listing and second.ref in listing
        assert "液漏れX" in listing, "the tag filter lacks the new tag"
        # The role change ended the lead's login on every node.
        response = lead.get("/cases/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]

        # The other way round: this process keeps what it read...
        assert any("液漏れX" in label for _, _, label in tag_options("ja"))
        names = dict(department_choices("ja"))
        assert names[org.qa.id] == "品質管理本部"
        assert [r.name for r in active_rules()] == ["配送は物流部へ"]
        # ...and sees what the server changes at the next transaction.
        response = admin.post(
            f"/admin/departments/{org.qa.id}",
            {
                "code": "qa",
                "name_ja": "品質保証部",
                "name_en": "Quality Assurance",
                "is_active": "y",
            },
            token_from=f"/admin/departments/{org.qa.id}",
        )
        assert response.status_code == 302, response.text[:800]
        db.session.rollback()
        assert dict(department_choices("ja"))[org.qa.id] == "品質保証部"


def test_a_failed_change_invalidates_nothing_and_shows_nothing(app, org, db_url):
    """A change rolled back in one process is never seen, and costs the other's caches
    nothing: the server keeps serving what it kept."""
    with serve(db_url) as base:
        operator = Browser(base).login(org.operator.email, PASSWORD)
        assert "品質保証部" in operator.get("/cases/new").text
        with pytest.raises(RuntimeError), transaction():
            update_department(org.qa, DepartmentInput("qa", "幻の部署", "Phantom"), actor=org.admin)
            raise RuntimeError("the change fails before its commit")
        page = operator.get("/cases/new").text
        assert "幻の部署" not in page and "品質保証部" in page
        assert re.search(r"<option[^>]*>品質保証部</option>", page)


_TRAIN_ELSEWHERE = """
import pickle, sys
from relq import create_app
from relq.db import db, transaction
from relq.learning import LearnedModel
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context(), transaction():
    blob = pickle.dumps({"trained": sys.argv[2]})
    db.session.add(LearnedModel(kind="tags", examples=1, metrics={}, blob=blob))
"""


def test_a_model_trained_in_another_process_is_used_by_the_next_transaction(app, db_url):
    """The learned models are kept per process (loading one costs tens of milliseconds) and
    given up as soon as any process stores a newer one: no minute of stale suggestions."""
    import subprocess
    import sys

    from relq.learning import current_model
    from tests.nodes import ROOT

    def train_elsewhere(name: str) -> None:
        subprocess.run(  # noqa: S603  (relq itself, on the test's database)
            [sys.executable, "-c", _TRAIN_ELSEWHERE, db_url, name],
            cwd=ROOT,
            check=True,
            env={**os.environ, "RELQ_CONFIG": "test"},
        )
        db.session.rollback()  # this process's next transaction

    assert current_model("tags") is None
    train_elsewhere("first")
    assert current_model("tags") == {"trained": "first"}
    assert current_model("tags") is current_model("tags")  # kept, not loaded again
    train_elsewhere("second")
    assert current_model("tags") == {"trained": "second"}
