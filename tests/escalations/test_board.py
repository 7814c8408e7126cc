"""The escalation board as a triage view: one row per case with all its reasons, the most
severe and newest first, filters in the URL, an owner, and one decision that closes the
selected rows (each escalation audited, all within the decider's scope)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from relq.audit.models import AuditEvent
from relq.db import db, transaction, utcnow
from relq.escalations.models import Escalation
from relq.escalations.services import raise_escalation
from tests.factories import make_case

CALM = {
    "subject": "ポイントの付与について",
    "customer_words": "先月のポイントがまだ付いていないようです。",
    "remedy_requested": "確認してほしい",
}
BOARD = "/escalations/"


@pytest.fixture
def board_cases(org):
    """old: a QA case escalated five days ago twice (severity 1, then a missed resolution);
    smoke: today's QA safety case; repeat: a logistics repeat customer (department level)."""
    now = utcnow()
    with transaction():
        old = make_case(org.operator, department=org.qa, subject="古い重大案件", **_calm())
        smoke = make_case(org.operator, department=org.qa, subject="本日の発煙", **_calm())
        repeat = make_case(
            org.operator, department=org.logistics, subject="三度目の問合せ", **_calm()
        )
        raise_escalation(old, "severity", now=now - timedelta(days=5))
        raise_escalation(old, "resolution_missed", now=now - timedelta(days=4))
        raise_escalation(smoke, "safety", detail="煙", now=now - timedelta(minutes=10))
        raise_escalation(repeat, "repeat_customer", detail="3", now=now - timedelta(hours=2))
    return {"old": old, "smoke": smoke, "repeat": repeat}


def _calm():
    return {k: v for k, v in CALM.items() if k != "subject"}


def _rows(page: str) -> list[str]:
    """The board's row keys, in order."""
    return re.findall(r'data-testid="row-([a-z]+-\d+)"', page)


def _ids(page: str, case) -> str:
    """The escalation ids the row of `case` carries in its checkbox."""
    match = re.search(rf'name="rows" value="([\d,]+)" id="select-case-{case.id}"', page)
    assert match, f"no checkbox for {case.ref}"
    return match.group(1)


def _escalations(case) -> list[Escalation]:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Escalation).where(Escalation.case_id == case.id).order_by(Escalation.id)
    ).all()


def test_one_row_per_case_with_all_its_reasons_most_severe_and_newest_first(
    org, login_as, board_cases
):
    old, smoke, repeat = board_cases["old"], board_cases["smoke"], board_cases["repeat"]
    page = login_as(org.executive).get(BOARD).get_data(as_text=True)
    # Management level first, newest first within it: today's smoke tops the board.
    assert _rows(page) == [f"case-{smoke.id}", f"case-{old.id}", f"case-{repeat.id}"]
    row = page[page.index(f'data-testid="row-case-{old.id}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-testid="escalation-severity"' in row
    assert 'data-testid="escalation-resolution_missed"' in row
    assert page.count(f">{old.ref}</a>") == 1
    assert _ids(page, old).count(",") == 1  # both of its escalations, in one checkbox


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("reason=safety", ["smoke"]),
        ("reason=resolution_missed", ["old"]),
        ("level=1", ["repeat"]),
        ("level=2", ["smoke", "old"]),
        ("age=day", ["smoke", "repeat"]),
        ("age=week", ["old"]),
        ("age=older", []),
        ("department={logistics}", ["repeat"]),
        ("department={qa}&age=day", ["smoke"]),
    ],
)
def test_filters_are_in_the_url(org, login_as, board_cases, query, expected):
    url = BOARD + "?" + query.format(logistics=org.logistics.id, qa=org.qa.id)
    page = login_as(org.executive).get(url).get_data(as_text=True)
    assert _rows(page) == [f"case-{board_cases[name].id}" for name in expected]


def test_the_filter_keeps_every_reason_of_the_row(org, login_as, board_cases):
    old = board_cases["old"]
    page = login_as(org.executive).get(BOARD + "?reason=severity").get_data(as_text=True)
    assert _rows(page) == [f"case-{old.id}"]
    assert 'data-testid="escalation-resolution_missed"' in page


def test_one_decision_closes_the_selected_rows_each_escalation_audited(org, login_as, board_cases):
    old, smoke, repeat = board_cases["old"], board_cases["smoke"], board_cases["repeat"]
    executive = login_as(org.executive)
    page = executive.get(BOARD).get_data(as_text=True)
    response = executive.post(
        "/escalations/close?level=2",
        {
            "rows": [_ids(page, old), _ids(page, smoke)],
            "outcome": "action_ordered",
            "decision": "同型番の出荷を止め、原因を品質保証部で特定すること",
        },
        token_from=BOARD,
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/escalations/?level=2")
    closed = _escalations(old) + _escalations(smoke)
    assert len(closed) == 3
    assert all(e.outcome == "action_ordered" and e.closed_by_id == org.executive.id for e in closed)
    assert {e.decision for e in closed} == {"同型番の出荷を止め、原因を品質保証部で特定すること"}
    audited = db.session.scalars(
        sa.select(AuditEvent.entity_id).where(AuditEvent.action == "escalation.closed")
    ).all()
    assert sorted(audited) == sorted(e.id for e in closed)
    assert all(e.closed_at is None for e in _escalations(repeat))
    assert _rows(executive.get(BOARD).get_data(as_text=True)) == [f"case-{repeat.id}"]


def test_the_bulk_decision_is_scoped_and_all_or_nothing(org, login_as, board_cases):
    old, smoke, repeat = board_cases["old"], board_cases["smoke"], board_cases["repeat"]
    page = login_as(org.executive).get(BOARD).get_data(as_text=True)
    decision = {"outcome": "resolved", "decision": "収束"}

    def post(user, rows):
        return login_as(user).post(
            "/escalations/close", {"rows": rows, **decision}, token_from=BOARD
        )

    # Another department's lead: QA's escalations do not exist for them.
    assert post(org.lead_logistics, [_ids(page, smoke)]).status_code == 404
    # QA's lead may see management-level escalations, not decide them; nor close its own
    # department-level one together with one it may not decide.
    assert post(org.lead_qa, [_ids(page, smoke)]).status_code == 403
    # Nothing selected: the board again, saying so.
    empty = post(org.executive, [])
    assert empty.status_code == 422 and 'data-testid="escalations"' in empty.get_data(as_text=True)
    # One row closed meanwhile: nothing of the selection is closed.
    with transaction():
        raise_escalation(repeat, "severity")
    first = post(org.executive, [_ids(page, repeat)])
    assert first.status_code == 302
    again = post(org.executive, [_ids(page, repeat), _ids(page, old)])
    assert again.status_code == 409
    assert all(e.closed_at is None for e in _escalations(old))
    assert all(e.closed_at is None for e in _escalations(smoke))
    # The escalation raised after the page was drawn was not closed with the others.
    assert [e.closed_at is None for e in _escalations(repeat)] == [False, True]


def test_a_lead_closes_their_department_level_rows(org, login_as, board_cases):
    repeat = board_cases["repeat"]
    lead = login_as(org.lead_logistics)
    page = lead.get(BOARD).get_data(as_text=True)
    assert _rows(page) == [f"case-{repeat.id}"]
    response = lead.post(
        "/escalations/close",
        {"rows": [_ids(page, repeat)], "outcome": "resolved", "decision": "お客様に連絡済み"},
        token_from=BOARD,
    )
    assert response.status_code == 302
    assert [e.closed_by_id for e in _escalations(repeat)] == [org.lead_logistics.id]


def test_take_ownership_and_assign_an_owner(org, login_as, board_cases):
    old, smoke, repeat = board_cases["old"], board_cases["smoke"], board_cases["repeat"]
    executive = login_as(org.executive)
    page = executive.get(BOARD).get_data(as_text=True)
    taken = executive.post(
        "/escalations/owner",
        {"rows": [_ids(page, old), _ids(page, smoke)], "take": "y"},
        token_from=BOARD,
    )
    assert taken.status_code == 302
    assert {e.owner_id for e in _escalations(old) + _escalations(smoke)} == {org.executive.id}
    assigned = db.session.scalars(
        sa.select(AuditEvent.entity_id).where(AuditEvent.action == "escalation.assigned")
    ).all()
    assert len(assigned) == 3
    board = executive.get(BOARD).get_data(as_text=True)
    row = board[board.index(f'data-testid="row-case-{old.id}"') :]
    assert org.executive.name in row[: row.index("</tr>")]
    # QA's lead may own QA's escalations, not logistics' (all or nothing).
    mixed = executive.post(
        "/escalations/owner",
        {"rows": [_ids(page, old), _ids(page, repeat)], "owner_id": str(org.lead_qa.id)},
        token_from=BOARD,
    )
    assert mixed.status_code == 422
    assert {e.owner_id for e in _escalations(old)} == {org.executive.id}
    to_lead = executive.post(
        "/escalations/owner",
        {"rows": [_ids(page, repeat)], "owner_id": str(org.lead_logistics.id)},
        token_from=BOARD,
    )
    assert to_lead.status_code == 302
    assert {e.owner_id for e in _escalations(repeat)} == {org.lead_logistics.id}
