"""Migration 0012 (stalled handoffs, handoffs' notifications) down and up again with rows in
the tables: what the older schema cannot hold goes, the rest stays, and the constraints are
the older ones, then the newer ones again."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from relq.db import db, transaction, utcnow
from tests.conftest import _test_app


def _count(sql: str) -> int:
    with db.engine.connect() as conn:
        return conn.scalar(sa.text(sql))


def _refused(sql: str) -> bool:
    try:
        with db.engine.begin() as conn:
            conn.execute(sa.text(sql))
    except sa.exc.DatabaseError:
        return True
    return False


def test_down_to_0011_and_up_again_with_a_stalled_handoff(empty_url):
    from relq.handoffs.services import request_handoff, tick
    from tests.factories import make_department, make_user

    app = _test_app(empty_url)
    with app.app_context():
        upgrade()
        with transaction():
            cs = make_department("cs", "お客様相談室", "CS", contact=True)
            qa = make_department("qa", "品質保証部", "QA")
            operator = make_user("operator", cs)
            make_user("lead", cs)
            make_user("lead", qa)
            handoff = request_handoff(
                actor=operator,
                provider_department_id=qa.id,
                ask="検査結果を教えてください",
                now=utcnow() - timedelta(days=14),
            )
        with transaction():
            assert tick(utcnow())["stalled"] == 1
        handoff_id = handoff.id
        db.session.remove()
        assert _count("SELECT count(*) FROM escalations WHERE handoff_id IS NOT NULL") == 1
        assert _count("SELECT count(*) FROM notifications WHERE handoff_id IS NOT NULL") > 0

        downgrade(revision="0011")
        db.session.remove()
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("escalations")}
        assert "handoff_id" not in columns
        assert _count("SELECT count(*) FROM escalations") == 0
        assert _count("SELECT count(*) FROM notifications WHERE event LIKE 'handoff%'") == 0
        assert _count("SELECT count(*) FROM handoffs") == 1  # the handoff itself stays
        # The older CHECKs are back: no stalled-handoff reason, no handoff event.
        assert _refused(
            "INSERT INTO escalations (case_id, surge_alert_id, reason, level, detail, "
            "opened_at, decision) VALUES (NULL, NULL, 'stalled_handoff', 1, '', "
            "CURRENT_TIMESTAMP, '')"
        )

        upgrade()
        db.session.remove()
        # The newer ones again: a second escalation of the same handoff, or one about nothing,
        # is refused; the first is accepted.
        insert = (
            "INSERT INTO escalations (handoff_id, reason, level, detail, opened_at, decision) "
            "VALUES ({}, 'stalled_handoff', 1, '', CURRENT_TIMESTAMP, '')"
        )
        assert not _refused(insert.format(handoff_id))
        assert _refused(insert.format(handoff_id))
        assert _refused(insert.format("NULL"))
        db.engine.dispose()
