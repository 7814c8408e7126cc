"""The audit trail is append-only, and every change writes exactly one event."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from relq.answers.services import answer_case
from relq.audit.models import AuditEvent, AuditIsAppendOnly
from relq.cases.services import add_note, update_case
from relq.db import db
from tests.factories import make_case


def _events():
    return db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()


def test_database_refuses_update_and_delete(org):
    make_case(org.operator, department=org.qa)
    db.session.commit()
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert "case.created" in _events()


def test_orm_refuses_update_and_delete(org):
    make_case(org.operator)
    db.session.commit()
    event = db.session.scalar(sa.select(AuditEvent).limit(1))
    event.action = "tampered"
    with pytest.raises(AuditIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(sa.select(AuditEvent).limit(1)))
    with pytest.raises(AuditIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_one_event_per_change(org):
    start = len(_events())
    # Calm words and severity 2: no escalation (the system's own change) joins the people's.
    case = make_case(
        org.operator, department=org.qa, subject="ポイント", customer_words="ポイントが付かない"
    )
    assert _events()[start:] == ["case.created"]
    update_case(case, actor=org.operator, changes={"severity": 2}, expected_version=case.version)
    update_case(case, actor=org.operator, changes={"severity": 2}, expected_version=case.version)
    answer_case(case, actor=org.lead_qa, answer="acknowledged", expected_version=case.version)
    add_note(case, actor=org.lead_qa, kind="internal", body="ロットを確認中")
    assert _events()[start:] == ["case.created", "case.updated", "case.acknowledge", "note.added"]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.case_id == case.id)).all()
    assert {e.actor_id for e in events} == {org.operator.id, org.lead_qa.id}
    updated = next(e for e in events if e.action == "case.updated")
    assert updated.before == {"severity": 3} and updated.after == {"severity": 2}


def test_audit_page_for_executives_and_admins(org, login_as):
    make_case(org.operator, department=org.qa)
    for user in (org.executive, org.admin):
        html = login_as(user).get("/audit/").get_data(as_text=True)
        assert "<table" in html and org.operator.name in html
    assert login_as(org.operator).get("/audit/").status_code == 403
