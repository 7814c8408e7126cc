"""Migrations up and down on the database under test, and the models agree with them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from relq.db import db, is_model_object
from tests.conftest import _test_app


def _tables():
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade(empty_url):
    app = _test_app(empty_url)
    with app.app_context():
        upgrade()
        assert {t for t in _tables() if is_model_object(t, "table")} == {
            t.name for t in db.metadata.sorted_tables
        }
        downgrade(revision="base")
        db.session.remove()
        assert _tables() == set()
        upgrade()
        assert "cases" in _tables()
        # The audit guard is back after the round trip.
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO audit_events (at, action, entity_type, entity_id) "
                    "VALUES (CURRENT_TIMESTAMP, 'x', 'y', 1)"
                )
            )
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM audit_events"))
        db.engine.dispose()


DESC_INDEXES = {"ix_cases_severity_received_at"}


def test_models_match_the_migrations(empty_url):
    app = _test_app(empty_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": is_model_object}
            )
            diff = compare_metadata(context, db.metadata)
            if conn.dialect.name == "sqlite":
                # Alembic compares an index with DESC columns only approximately on SQLite (it
                # sees it removed and added again); PostgreSQL's run compares it in full.
                diff = [
                    d
                    for d in diff
                    if not (d[0] in ("add_index", "remove_index") and d[1].name in DESC_INDEXES)
                ]
        db.engine.dispose()
    assert diff == [], "the models changed without a migration"


def test_case_list_walks_the_date_index(org, app, database):
    """With planner statistics the first page of open cases reads the received_at index
    instead of sorting every open case (SQLite; PostgreSQL analyses by itself)."""
    if database[0] != "sqlite":
        pytest.skip("SQLite planner statistics")
    from relq.db import refresh_planner_statistics
    from tests.factories import make_case

    for _ in range(30):
        make_case(org.operator, department=org.qa)
    db.session.commit()
    assert refresh_planner_statistics() is True
    assert refresh_planner_statistics() is False  # nothing changed since
    plan = " ".join(
        str(row[-1])
        for row in db.session.execute(
            sa.text(
                "EXPLAIN QUERY PLAN SELECT id FROM cases WHERE intake_department_id IN "
                "(SELECT id FROM departments WHERE is_customer_contact) AND status IN "
                "('received', 'routed', 'acknowledged', 'in_progress', 'awaiting_customer', "
                "'resolved') ORDER BY received_at DESC, id DESC LIMIT 25"
            )
        )
    )
    assert "ix_cases_received_at" in plan and "TEMP B-TREE" not in plan, plan


def test_an_office_with_data_migrates_down_and_up(empty_url):
    """SQLite alters a table by copying it and dropping the old one: with rows that point at it
    (an escalation's comments, a case's notes) the drop must not trip the foreign keys, and
    nothing may be left dangling (a new installation has no such rows, an office has)."""
    from relq.cases.models import Case
    from relq.escalations.models import Escalation, EscalationComment
    from relq.escalations.services import comment_on, raise_escalation
    from tests.factories import make_case, make_department, make_user

    app = _test_app(empty_url)
    with app.app_context():
        upgrade()
        cs = make_department("cs", "お客様相談室", "CS", contact=True)
        qa = make_department("qa", "品質保証部", "QA")
        operator = make_user("operator", cs)
        executive = make_user("executive", qa)
        case = make_case(operator, department=qa, severity=2)
        escalation = raise_escalation(case, "safety", detail="異物") or db.session.scalar(
            sa.select(Escalation).where(Escalation.case_id == case.id).limit(1)
        )
        comment_on(escalation, actor=executive, body="現品を回収すること")
        db.session.commit()

        downgrade(revision="0010")
        upgrade()
        db.session.remove()
        assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(Escalation.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(EscalationComment.id))) == 1
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
