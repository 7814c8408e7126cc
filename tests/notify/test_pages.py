"""The in-app side: the list, reading one or all, the menu's badge, the settings page."""

from __future__ import annotations

import re

import sqlalchemy as sa

from relq.audit.models import AuditEvent
from relq.db import db
from relq.notify.models import HANDOFF_EVENTS, NotificationPreference
from relq.notify.services import notify
from relq.org.models import User
from tests.factories import make_case, make_user
from tests.notify.conftest import notifications, quiet_case


def _badge(page: str) -> int | None:
    match = re.search(r'data-testid="badge-notify.index">(\d+)<', page)
    return int(match.group(1)) if match else None


def _routed_twice(org):
    first = make_case(org.operator, department=org.qa, subject="最初の案件")
    second = make_case(org.operator, department=org.qa, subject="二つ目の案件")
    return first, second


def test_list_shows_my_notifications_newest_first_with_unread_marked(org, login_as):
    first, second = _routed_twice(org)
    page = login_as(org.lead_qa).get("/notifications/").get_data(as_text=True)
    assert page.index(second.ref) < page.index(first.ref)
    assert page.index("二つ目の案件") < page.index("最初の案件")
    assert page.count('class="unread"') == 2
    assert f"{second.ref} が品質保証部に振り分けられました" in page
    # Somebody else's list does not show them.
    other = login_as(org.lead_logistics).get("/notifications/").get_data(as_text=True)
    assert second.ref not in other


def test_english_reader_reads_english(org, login_as):
    english_lead = make_user("lead", org.qa, locale="en")
    case = make_case(org.operator, department=org.qa)
    page = login_as(english_lead).get("/notifications/").get_data(as_text=True)
    assert f"{case.ref} was routed to Quality Assurance" in page


def test_badge_counts_unread_in_the_menu_on_every_page(org, login_as):
    _routed_twice(org)
    client = login_as(org.lead_qa)
    assert _badge(client.get("/cases/").get_data(as_text=True)) == 2
    assert _badge(login_as(org.lead_logistics).get("/cases/").get_data(as_text=True)) is None


def test_badge_costs_one_query_per_page(app, org, login_as):
    _routed_twice(org)
    client = login_as(org.lead_qa)
    statements = []

    def count(conn, cursor, statement, *args):
        if "notifications" in statement:
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        page = client.get("/cases/").get_data(as_text=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert _badge(page) == 2
    assert len(statements) == 1, statements


def test_reading_one_marks_it_read_and_opens_the_case(org, login_as):
    first, second = _routed_twice(org)
    client = login_as(org.lead_qa)
    row = notifications(org.lead_qa, "routed")[0]
    response = client.post("/notifications/read", {"id": row.id}, token_from="/notifications/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{first.id}")
    db.session.refresh(row)
    assert row.read_at is not None
    assert _badge(client.get("/cases/").get_data(as_text=True)) == 1


def test_someone_elses_notification_does_not_exist(org, login_as):
    make_case(org.operator, department=org.qa)
    row = notifications(org.lead_qa, "routed")[0]
    client = login_as(org.operator)
    response = client.post("/notifications/read", {"id": row.id}, token_from="/notifications/")
    assert response.status_code == 404
    db.session.refresh(row)
    assert row.read_at is None


def test_a_case_rerouted_away_is_no_longer_shown_or_linked(org, login_as):
    from relq.cases.services import transition_case

    case = make_case(org.operator, department=org.qa, subject="見えなくなる件名")
    transition_case(
        case,
        actor=org.lead_qa,
        action="reroute",
        expected_version=case.version,
        department_id=org.logistics.id,
        reason="物流の問題",
    )
    client = login_as(org.lead_qa)
    page = client.get("/notifications/").get_data(as_text=True)
    assert case.ref in page and "見えなくなる件名" not in page
    row = notifications(org.lead_qa, "routed")[0]
    response = client.post("/notifications/read", {"id": row.id}, token_from="/notifications/")
    assert response.headers["Location"].endswith("/notifications/")


def test_read_all(org, login_as):
    _routed_twice(org)
    make_case(org.operator, department=org.logistics)
    client = login_as(org.lead_qa)
    response = client.post("/notifications/read-all", token_from="/notifications/")
    assert response.status_code == 302
    assert all(n.read_at is not None for n in notifications(org.lead_qa))
    # Only mine.
    assert all(n.read_at is None for n in notifications(org.lead_logistics))
    page = client.get("/notifications/").get_data(as_text=True)
    assert _badge(page) is None and 'class="unread"' not in page


def test_list_is_paginated(org, login_as):
    quiet_case(org)
    for _ in range(30):  # without a case: each a group of its own
        notify(
            "routed",
            User.id == org.lead_qa.id,
            case=None,
            actor=None,
            params={"department_id": org.qa.id, "action": "route"},
        )
    client = login_as(org.lead_qa)
    first = client.get("/notifications/").get_data(as_text=True)
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert first.count('data-testid="notification-') == 25
    assert second.count('data-testid="notification-') == 31 - 25
    assert 'href="/notifications/?page=2"' in first
    assert 'href="/notifications/?page=3"' not in second


def test_surge_escalation_opens_the_escalation_board(app, org, login_as):
    import datetime

    from relq import events
    from relq.escalations.models import Escalation
    from relq.themes.models import SurgeAlert

    alert = SurgeAlert(
        key="phrase:電気ケトル",
        label="電気ケトル",
        kind="surge",
        week_end=datetime.date(2026, 11, 22),
        observed=9,
        expected=1.5,
        p_value=0.001,
    )
    db.session.add(alert)
    db.session.flush()
    escalation = Escalation(surge_alert_id=alert.id, reason="surge", level=2, detail="9件/週")
    db.session.add(escalation)
    db.session.flush()
    events.escalation_opened.send(None, escalation=escalation)
    row = notifications(org.executive, "escalation")[0]
    response = login_as(org.executive).post(
        "/notifications/read", {"id": row.id}, token_from="/notifications/"
    )
    expected = "/escalations/" if "escalations.index" in app.view_functions else "/notifications/"
    assert response.headers["Location"].endswith(expected)


# ---- settings -------------------------------------------------------------------------------


def _checked(page: str) -> set[str]:
    tags = re.findall(r"<input [^>]*>", page)
    return {re.search(r'id="([\w-]+)"', t).group(1) for t in tags if " checked" in t}


def test_settings_offer_what_the_role_can_receive(org, login_as):
    lead_page = login_as(org.lead_qa).get("/notifications/preferences").get_data(as_text=True)
    operator_page = login_as(org.operator).get("/notifications/preferences").get_data(as_text=True)
    assert 'name="routed-email"' in lead_page and 'name="escalation-in_app"' in lead_page
    assert 'name="answered-in_app"' in operator_page and 'name="routed-email"' not in operator_page
    # The defaults show: answers in the app, not by e-mail.
    assert "answered-in_app" in _checked(operator_page)
    assert "answered-email" not in _checked(operator_page)


def test_saving_settings_is_audited_and_obeyed(org, login_as):
    client = login_as(org.lead_qa)
    # Everything on except routing, which stays by e-mail only.
    form = {f"{e}-{c}": "y" for e in ("answered", "deadline_soon") for c in ("in_app", "email")}
    form["routed-email"] = "y"
    response = client.post("/notifications/preferences", form, token_from="/notifications/")
    assert response.status_code == 302
    rows = {
        p.event: (p.in_app, p.email)
        for p in db.session.scalars(
            sa.select(NotificationPreference).where(
                NotificationPreference.user_id == org.lead_qa.id
            )
        )
    }
    # Only what differs from the defaults was changed.
    assert rows == {
        "routed": (False, True),
        "answered": (True, True),
        "deadline_missed": (False, False),
        "escalation": (False, False),
        "compliment": (False, False),
    } | {e: (False, False) for e in HANDOFF_EVENTS}  # left unchecked: off as well
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "notification_preferences.updated")
    ).one()
    assert event.actor_id == org.lead_qa.id and event.entity_id == org.lead_qa.id
    assert event.after["routed"] == [False, True]
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "routed-email" in _checked(page) and "routed-in_app" not in _checked(page)

    # Saving the same again changes nothing and records nothing.
    client.post("/notifications/preferences", form, token_from="/notifications/")
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "notification_preferences.updated")
        )
        == 1
    )
    # In the app off: a routed case leaves nothing to read.
    make_case(org.operator, department=org.qa)
    assert _badge(client.get("/cases/").get_data(as_text=True)) is None
