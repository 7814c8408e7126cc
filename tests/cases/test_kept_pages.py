"""What is kept between requests for speed (the case list's page, the logged-in user) never
outlives a change: the next request sees it, whoever made it, in this process or another."""

from __future__ import annotations

from relq.db import db, transaction
from relq.org.models import User
from relq.org.services import update_user
from tests.conftest import _test_app
from tests.factories import make_case


def test_the_list_shows_what_was_committed_since_in_this_process_and_another(
    app, org, login_as, db_url
):
    operator = login_as(org.operator)
    with transaction():
        first = make_case(org.operator, subject="最初の案件")
    assert first.ref in operator.get("/cases/").get_data(as_text=True)
    assert operator.get("/cases/").status_code == 200  # served again, from what was kept

    # Another process: its own app and connection on the same database.
    other = _test_app(db_url)
    with other.app_context():
        with transaction():
            actor = db.session.get(User, org.operator.id)
            elsewhere = make_case(actor, subject="別のプロセスで登録した案件")
        elsewhere_ref = elsewhere.ref
        db.session.remove()
        db.engine.dispose()
    page = operator.get("/cases/").get_data(as_text=True)
    assert elsewhere_ref in page and first.ref in page

    # This process again, through the services.
    with transaction():
        here = make_case(org.operator, subject="このプロセスで登録した案件")
    page = operator.get("/cases/").get_data(as_text=True)
    assert here.ref in page and elsewhere_ref in page


def test_a_role_change_or_deactivation_counts_from_the_next_request(app, org, login_as):
    lead = login_as(org.lead_qa)
    assert lead.get("/admin/users").status_code == 403
    with transaction():
        update_user(
            org.lead_qa,
            actor=org.admin,
            role="admin",
            department_id=org.qa.id,
            is_active=True,
            name=org.lead_qa.name,
        )
    # What the user may see changed: the old login ended, and a new one has the new role.
    response = lead.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    lead = login_as(db.session.get(User, org.lead_qa.id))
    assert lead.get("/admin/users").status_code == 200
    with transaction():
        update_user(
            db.session.get(User, org.lead_qa.id),
            actor=org.admin,
            role="lead",
            department_id=org.qa.id,
            is_active=False,
            name=org.lead_qa.name,
        )
    response = lead.get("/cases/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_renamed_user_is_shown_by_the_new_name_at_once(app, org, login_as):
    """The logged-in user is kept while their row is unchanged: a change shows at once."""
    operator = login_as(org.operator)
    assert org.operator.name in operator.get("/cases/").get_data(as_text=True)
    with transaction():
        update_user(
            org.operator,
            actor=org.admin,
            role="operator",
            department_id=org.cs.id,
            is_active=True,
            name="佐藤 新名",
        )
    assert "佐藤 新名" in operator.get("/cases/").get_data(as_text=True)
