"""Optimistic locking: a stale form never overwrites someone else's change, and keeps what the
user typed."""

from __future__ import annotations

import re

import sqlalchemy as sa

from relq.audit.models import AuditEvent
from relq.cases.models import Case
from relq.cases.services import update_case
from relq.db import db
from tests.factories import make_case


def _edit_form(client, case_id):
    html = client.get(f"/cases/{case_id}/edit").get_data(as_text=True)

    def value(name):
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
        return match.group(1) if match else None

    textarea = re.search(
        r'<textarea[^>]*name="customer_words"[^>]*>\s*(.*?)</textarea>', html, re.S
    )
    return {
        "csrf_token": value("csrf_token"),
        "version": value("version"),
        "kind": "complaint",
        "channel": "phone",
        "received_at": value("received_at"),
        "severity": "3",
        "product": value("product"),
        "subject": value("subject"),
        "customer_words": textarea.group(1),
        "remedy_requested": "",
    }


def test_edit_records_before_and_after(org, login_as):
    case = make_case(org.operator, department=org.qa)
    client = login_as(org.operator)
    form = _edit_form(client, case.id)
    form["subject"] = "蓋のロック不良(訂正)"
    response = client.post(f"/cases/{case.id}/edit", form)
    assert response.status_code == 302
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "case.updated"))
    assert event.before["subject"] == "冷凍パスタに異物が混入していた"
    assert event.after["subject"] == "蓋のロック不良(訂正)"
    assert set(event.after) == {"subject", "remedy_requested"}  # only what changed


def test_stale_edit_shows_the_conflict_and_keeps_the_typing(org, login_as):
    case = make_case(org.operator, department=org.qa)
    mine = login_as(org.operator)
    form = _edit_form(mine, case.id)
    # Meanwhile the QA lead corrects the severity.
    db.session.commit()
    theirs = db.session.get(Case, case.id)
    update_case(theirs, actor=org.lead_qa, changes={"severity": 1}, expected_version=theirs.version)
    db.session.commit()

    form["customer_words"] = "オペレーターが追記した大切な一文。"
    response = mine.post(f"/cases/{case.id}/edit", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'data-testid="conflict"' in html
    assert "オペレーターが追記した大切な一文。" in html  # what I typed is kept
    assert org.lead_qa.name in html  # who changed it
    saved = db.session.get(Case, case.id)
    assert saved.severity == 1 and saved.customer_words != "オペレーターが追記した大切な一文。"

    # The re-rendered form carries the new version: saving again now works.
    new_version = re.search(r'name="version"[^>]*value="(\d+)"', html).group(1)
    assert int(new_version) == saved.version
    form.update(version=new_version, severity="1")
    assert mine.post(f"/cases/{case.id}/edit", form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).customer_words == "オペレーターが追記した大切な一文。"


def test_stale_status_change_is_refused(org, login_as):
    case = make_case(org.operator, department=org.qa)
    lead = login_as(org.lead_qa)
    stale_version = case.version
    update_case(case, actor=org.operator, changes={"severity": 2}, expected_version=case.version)
    db.session.commit()
    response = lead.post(
        f"/cases/{case.id}/transition",
        {"action": "acknowledge", "version": str(stale_version)},
        token_from=f"/cases/{case.id}",
    )
    assert response.status_code == 409
    assert db.session.get(Case, case.id).status == "routed"


def test_status_change_through_the_page(org, login_as):
    case = make_case(org.operator, department=org.qa)
    lead = login_as(org.lead_qa)
    html = lead.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="transition-acknowledge"' in html
    assert 'data-testid="transition-close"' not in html  # not offered in this state
    response = lead.post(
        f"/cases/{case.id}/transition",
        {"action": "acknowledge", "version": str(case.version)},
        token_from=f"/cases/{case.id}",
    )
    assert response.status_code == 302
    assert db.session.get(Case, case.id).status == "acknowledged"
    # An illegal change is refused with a message, nothing changes.
    response = lead.post(
        f"/cases/{case.id}/transition",
        {"action": "close", "version": str(db.session.get(Case, case.id).version)},
        token_from=f"/cases/{case.id}",
    )
    assert response.status_code == 409
    assert db.session.get(Case, case.id).status == "acknowledged"


def test_notes_through_the_page(org, login_as):
    case = make_case(org.operator, department=org.qa)
    client = login_as(org.operator)
    response = client.post(
        f"/cases/{case.id}/notes",
        {"kind": "observation", "body": "声のトーンから強い不安を感じた。"},
        token_from=f"/cases/{case.id}",
    )
    assert response.status_code == 302
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "声のトーンから強い不安を感じた。" in html
    empty = client.post(
        f"/cases/{case.id}/notes", {"kind": "internal", "body": ""}, token_from=f"/cases/{case.id}"
    )
    assert empty.status_code == 422


def test_assignment(org, login_as):
    from relq.cases.services import MissingInput, assign_case

    case = make_case(org.operator, department=org.qa)
    lead = login_as(org.lead_qa)
    html = lead.get(f"/cases/{case.id}").get_data(as_text=True)
    assert org.lead_qa.name in html and org.lead_logistics.name not in html  # not assignable
    response = lead.post(
        f"/cases/{case.id}/assign",
        {"assignee_id": str(org.lead_qa.id), "version": str(case.version)},
        token_from=f"/cases/{case.id}",
    )
    assert response.status_code == 302
    saved = db.session.get(Case, case.id)
    assert saved.assignee_id == org.lead_qa.id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "case.assigned"))
    assert event.before == {"assignee_id": None} and event.after == {"assignee_id": org.lead_qa.id}
    import pytest

    with pytest.raises(MissingInput):
        assign_case(
            saved,
            actor=org.operator,
            assignee_id=org.lead_logistics.id,
            expected_version=saved.version,
        )
