"""A stalled handoff: one department-level escalation per handoff (however many clocks tick),
raised to the leads of both departments, its own row on the board, decided like the others."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from relq.db import db, transaction, utcnow
from relq.escalations.models import Escalation
from relq.escalations.services import raise_stalled_handoff
from relq.handoffs import services as handoffs
from relq.handoffs.models import Handoff
from relq.notify.models import Notification

JST = ZoneInfo("Asia/Tokyo")


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST).astimezone(UTC)


WEDNESDAY = jst(2026, 11, 18, 10, 0)
# Due Thursday 10:00 (one working day), stalled after Friday 10:00 (one more of grace).
FRIDAY_NOON = jst(2026, 11, 20, 12, 0)


@pytest.fixture
def handoff(org) -> Handoff:
    """The front line asked QA on Wednesday; nobody there has acted since."""
    with transaction():
        handoffs.set_policy(
            actor=org.admin,
            requester_id=org.cs.id,
            provider_id=org.qa.id,
            due_minutes=540,
            grace_minutes=540,
        )
        return handoffs.request_handoff(
            actor=org.operator,
            provider_department_id=org.qa.id,
            ask="同ロットの検査結果を教えてください",
            now=WEDNESDAY,
        )


def _stalled() -> list[Escalation]:
    db.session.rollback()  # a new transaction: see what other sessions (clocks) committed
    return db.session.scalars(
        sa.select(Escalation).where(Escalation.reason == "stalled_handoff").order_by(Escalation.id)
    ).all()


def _told_of(escalation) -> list[int]:
    return sorted(
        db.session.scalars(
            sa.select(Notification.user_id).where(Notification.escalation_id == escalation.id)
        )
    )


def _tick(now) -> dict:
    with transaction():
        return handoffs.tick(now)


def test_a_stalled_handoff_is_escalated_once_to_both_leads(org, handoff):
    _tick(jst(2026, 11, 19, 11, 0))  # overdue, still in its grace
    assert _stalled() == []
    assert _tick(FRIDAY_NOON) == {"overdue": 0, "stalled": 1}
    _tick(FRIDAY_NOON + timedelta(days=3))
    [escalation] = _stalled()
    assert (escalation.handoff_id, escalation.case_id, escalation.level) == (handoff.id, None, 1)
    assert escalation.department_id == org.qa.id  # the providing side's
    assert escalation.opened_at == FRIDAY_NOON and escalation.detail == handoff.ref
    assert _told_of(escalation) == sorted([org.lead_qa.id, org.lead_cs.id])
    # Raised again (another clock, a replay): nothing new.
    with transaction():
        assert raise_stalled_handoff(db.session.get(Handoff, handoff.id)) is None
    assert len(_stalled()) == 1


def test_the_database_refuses_a_second_escalation_of_one_handoff(org, handoff):
    _tick(FRIDAY_NOON)
    with pytest.raises(sa.exc.IntegrityError), transaction():
        db.session.add(
            Escalation(
                handoff_id=handoff.id, reason="stalled_handoff", level=1, detail="", decision=""
            )
        )
        db.session.flush()
    with pytest.raises(sa.exc.IntegrityError), transaction():
        db.session.add(Escalation(reason="stalled_handoff", level=1, detail="", decision=""))
        db.session.flush()  # about nothing: has_subject says no


def test_two_clocks_at_once_raise_it_once(app, org, handoff):
    """Without the clock's lock (another machine's worker): the unique index lets one
    escalation through, and its leads are told once."""
    _tick(jst(2026, 11, 19, 11, 0))
    barrier = threading.Barrier(2)
    results = []

    def clock():
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                with transaction():
                    results.append(handoffs.tick(FRIDAY_NOON)["stalled"])
            except Exception as error:  # noqa: BLE001 (the loser may fail: reported below)
                results.append(type(error).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=clock) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert 1 in results, results
    [escalation] = _stalled()
    assert _told_of(escalation) == sorted([org.lead_qa.id, org.lead_cs.id])
    _tick(FRIDAY_NOON + timedelta(hours=1))  # whoever lost finds nothing left to do
    assert len(_stalled()) == 1


@pytest.mark.slow
def test_two_workers_clocks_ticking_raise_it_once(app, org):
    from relq.capability import installed
    from relq.tick import Clock

    if "handoffs" not in dict(installed().ticks):
        pytest.skip("the handoffs capability (its clock step) is not installed in this app")
    with transaction():
        handoffs.request_handoff(
            actor=org.operator,
            provider_department_id=org.qa.id,
            ask="二週間前の依頼",
            now=utcnow() - timedelta(days=14),
        )
    clocks = [Clock(app, interval=0.2).start() for _ in range(2)]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _stalled():
            time.sleep(0.2)
        time.sleep(1.5)  # more ticks from both clocks
    finally:
        for c in clocks:
            c.stop()
    [escalation] = _stalled()
    assert _told_of(escalation) == sorted([org.lead_qa.id, org.lead_cs.id])


def _row(page: str, escalation) -> str:
    start = page.index(f'data-testid="row-escalation-{escalation.id}"')
    return page[start : page.index("</tr>", start)]


def test_both_leads_and_management_see_its_row_other_leads_do_not(org, handoff, login_as):
    _tick(FRIDAY_NOON)
    [escalation] = _stalled()
    for reader in (org.lead_qa, org.lead_cs, org.executive, org.admin):
        client = login_as(reader)
        page = client.get("/escalations/").get_data(as_text=True)
        row = _row(page, escalation)
        assert 'data-testid="escalation-stalled_handoff"' in row and handoff.ref in row
        assert "お客様相談室 → 品質保証部" in row and 'data-testid="handoff-answered"' not in row
        assert client.get(f"/escalations/{escalation.id}").status_code == 200
    outsider = login_as(org.lead_logistics)
    page = outsider.get("/escalations/").get_data(as_text=True)
    assert f"row-escalation-{escalation.id}" not in page
    assert outsider.get(f"/escalations/{escalation.id}").status_code == 404


def test_the_row_links_to_the_handoff_for_who_may_open_it(app, org, handoff, login_as):
    _tick(FRIDAY_NOON)
    [escalation] = _stalled()
    has_page = "handoffs.detail" in app.view_functions
    lead = _row(login_as(org.lead_cs).get("/escalations/").get_data(as_text=True), escalation)
    assert ('data-testid="handoff-link"' in lead) is has_page
    # An admin sees the board, not the handoffs: the reference, without a link.
    admin = _row(login_as(org.admin).get("/escalations/").get_data(as_text=True), escalation)
    assert 'data-testid="handoff-link"' not in admin and handoff.ref in admin


def test_the_row_says_when_the_handoff_was_answered_since(org, handoff, login_as):
    _tick(FRIDAY_NOON)
    with transaction():
        answered = db.session.get(Handoff, handoff.id)
        handoffs.take_step(
            answered,
            actor=org.lead_qa,
            action="answer",
            expected_version=answered.version,
            body="ロットは正常でした",
            now=jst(2026, 11, 24, 10, 0),
        )
    [escalation] = _stalled()
    assert escalation.closed_at is None  # closed by a decision, as others
    row = _row(login_as(org.executive).get("/escalations/").get_data(as_text=True), escalation)
    assert 'data-testid="handoff-answered"' in row and "2026-11-24 10:00 に回答済み" in row


def test_either_lead_decides_it_another_lead_cannot(org, handoff, login_as):
    _tick(FRIDAY_NOON)
    [escalation] = _stalled()
    decision = {"outcome": "resolved", "decision": "品質保証部と回答期限を再確認した"}
    page = "/notifications/preferences"  # a page with a form: the CSRF token a browser has
    outsider = login_as(org.lead_logistics)
    close = f"/escalations/{escalation.id}/close"
    assert outsider.post(close, decision, token_from=page).status_code == 404
    assert login_as(org.lead_cs).post(close, decision, csrf=False).status_code == 400
    response = login_as(org.lead_cs).post(close, decision, token_from=page)
    assert response.status_code == 302
    [closed] = _stalled()
    assert (closed.outcome, closed.closed_by_id) == ("resolved", org.lead_cs.id)


def test_the_boards_department_filter_finds_it_from_either_side(org, handoff):
    from relq.escalations.services import BoardFilters, board_rows

    _tick(FRIDAY_NOON)
    [escalation] = _stalled()

    def found(department) -> list[str]:
        rows = db.session.execute(
            board_rows(org.executive, BoardFilters(department_id=department.id))
        )
        return [subject for subject, *_ in rows]

    assert found(org.qa) == [-escalation.id]  # the side asked
    assert found(org.cs) == [-escalation.id]  # the side that asked
    assert found(org.logistics) == []
