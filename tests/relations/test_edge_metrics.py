"""The relationship map's numbers against a fixture computed by hand: handoffs asked and moved
through the handoff services with their `now=`, across a weekend and a holiday (勤労感謝の日,
Monday 23 November 2026), on the office calendar (09:00–18:00, Monday to Friday)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from relq.handoffs.services import confirm_handoff, request_handoff, take_step, tick
from relq.relations.services import (
    BOUNCES,
    SLOW,
    EdgeMetrics,
    Period,
    default_period,
    relationship_map,
    stall_reasons,
)

JST = ZoneInfo("Asia/Tokyo")
PERIOD = Period(date(2026, 11, 16), 2)  # the weeks of Monday 16 and Monday 23 November


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST).astimezone(UTC)


def ask(actor, provider, at):
    return request_handoff(actor=actor, provider_department_id=provider.id, ask="確認依頼", now=at)


def step(handoff, actor, action, at, body=""):
    take_step(
        handoff, actor=actor, action=action, expected_version=handoff.version, body=body, now=at
    )


def confirm(handoff, actor, at, usefulness, speed, thanks=""):
    confirm_handoff(
        handoff,
        actor=actor,
        expected_version=handoff.version,
        usefulness=usefulness,
        speed=speed,
        thanks=thanks,
        now=at,
    )


def load_fixture(org):
    """お客様相談室 (cs) asks 品質保証部 (qa) six times, qa asks 物流部 twice (once before the
    period). The expected numbers are worked out beside each handoff."""
    op, qa_lead, log_lead = org.operator, org.lead_qa, org.lead_logistics
    # H1 Wed 18th 10:00 -> accepted 11:30 (90 min) -> answered Thu 10:00 (540 min): due Fri
    # 10:00, on time. Rated 4/5.
    h1 = ask(op, org.qa, jst(2026, 11, 18, 10, 0))
    step(h1, qa_lead, "accept", jst(2026, 11, 18, 11, 30))
    step(h1, qa_lead, "answer", jst(2026, 11, 19, 10, 0), "回答")
    confirm(h1, op, jst(2026, 11, 19, 11, 0), 4, 5)
    # H2 Fri 20th 16:00 -> accepted 17:00 (60 min) -> answered Tue 24th 10:00, sent back,
    # answered again Wed 25th 10:00: Fri 120 + (weekend, Monday's holiday) + Tue 540 + Wed 60
    # = 720 min; due Wed 16:00, on time. A bounce; rated 2/3 with a thank-you.
    h2 = ask(op, org.qa, jst(2026, 11, 20, 16, 0))
    step(h2, qa_lead, "accept", jst(2026, 11, 20, 17, 0))
    step(h2, qa_lead, "answer", jst(2026, 11, 24, 10, 0), "回答")
    step(h2, op, "send_back", jst(2026, 11, 24, 11, 0), "ロット番号も必要です")
    step(h2, qa_lead, "answer", jst(2026, 11, 25, 10, 0), "ロット番号は A123 です")
    confirm(h2, op, jst(2026, 11, 25, 11, 0), 2, 3, thanks="ありがとうございました")
    # H3 Mon 16th 10:00 -> accepted Thu 19th 10:00 (480 + 540 + 540 + 60 = 1620) -> answered
    # Fri 20th 17:00 (480 + 540 * 3 + 480 = 2580): due Wed 18th 10:00, late. Rated 3/1.
    h3 = ask(op, org.qa, jst(2026, 11, 16, 10, 0))
    step(h3, qa_lead, "accept", jst(2026, 11, 19, 10, 0))
    step(h3, qa_lead, "answer", jst(2026, 11, 20, 17, 0), "回答")
    confirm(h3, op, jst(2026, 11, 20, 17, 30), 3, 1)
    # H4 Tue 24th 10:00, never accepted: due Thu 26th 10:00; the clock finds it overdue.
    ask(op, org.qa, jst(2026, 11, 24, 10, 0))
    # H5 Wed 25th 09:00, declined: neither overdue nor counted for it.
    h5 = ask(op, org.qa, jst(2026, 11, 25, 9, 0))
    step(h5, qa_lead, "decline", jst(2026, 11, 25, 10, 0), "物流部の所管です")
    # H6 Thu 26th 10:00, answered at 12:00 without accepting first (accept 120), not confirmed.
    h6 = ask(op, org.qa, jst(2026, 11, 26, 10, 0))
    step(h6, qa_lead, "answer", jst(2026, 11, 26, 12, 0), "回答")
    # qa -> logistics: L0 before the period (not counted), L1 Mon 16th 10:00 answered 12:00.
    l0 = ask(qa_lead, org.logistics, jst(2026, 11, 13, 10, 0))
    step(l0, log_lead, "answer", jst(2026, 11, 13, 11, 0), "回答")
    l1 = ask(qa_lead, org.logistics, jst(2026, 11, 16, 10, 0))
    step(l1, log_lead, "answer", jst(2026, 11, 16, 12, 0), "回答")
    confirm(l1, qa_lead, jst(2026, 11, 16, 13, 0), 5, 5, thanks="助かりました")
    tick(jst(2026, 11, 27, 10, 0))


def test_edge_metrics_against_the_hand_computed_fixture(org, session):
    load_fixture(org)
    session.commit()
    found = relationship_map(PERIOD)
    assert {(e.requester_id, e.provider_id) for e in found.edges} == {
        (org.cs.id, org.qa.id),
        (org.qa.id, org.logistics.id),
    }
    e = found.edge(org.cs.id, org.qa.id)
    assert e.handoffs == 6
    # Time to accept: 60, 90, 120, 1620 -> (90 + 120) / 2.
    assert e.median_accept_minutes == 105
    # Turnaround (confirmed answers): 540, 720, 2580.
    assert e.median_turnaround_minutes == 720
    # Overdue: H3 answered late, H4 waiting past due; of the 5 not declined.
    assert (e.overdue, e.counted) == (2, 5) and e.overdue_share == pytest.approx(0.4)
    assert e.mean_usefulness == pytest.approx(3.0) and e.mean_speed == pytest.approx(3.0)
    # Answered at least once: H1, H2, H3, H6; sent back: H2.
    assert (e.bounced, e.answered) == (1, 4) and e.bounce_rate == pytest.approx(0.25)
    assert e.thanked == 1
    # Week over week: H4, H5, H6 against H1, H2, H3; overdue 1 of 2 against 1 of 3.
    assert (e.week_before, e.last_week, e.change) == (3, 3, 0)
    assert e.last_week_overdue_share == pytest.approx(0.5)
    assert e.week_before_overdue_share == pytest.approx(1 / 3)

    q = found.edge(org.qa.id, org.logistics.id)
    assert (q.handoffs, q.median_turnaround_minutes, q.median_accept_minutes) == (1, 120, 120)
    assert (q.week_before, q.last_week, q.thanked, q.overdue_share) == (1, 0, 1, 0)
    # Too few handoffs to call anything a stall point.
    assert found.stall_points == ()
    assert found.typical_turnaround_minutes == pytest.approx((720 + 120) / 2)


def test_a_one_week_period_compares_with_the_week_before_it(org, session):
    """The week before a one-week period lies outside it: its handoffs count only as the
    comparison, and an edge asked only then is not on the map."""
    load_fixture(org)
    session.commit()
    found = relationship_map(Period(date(2026, 11, 23), 1))
    assert [(e.requester_id, e.provider_id) for e in found.edges] == [(org.cs.id, org.qa.id)]
    e = found.edge(org.cs.id, org.qa.id)
    assert (e.handoffs, e.last_week, e.week_before) == (3, 3, 3)
    # H4 waiting past due, of H4-H6; in the week before, H3 of H1-H3.
    assert e.last_week_overdue_share == pytest.approx(0.5)
    assert e.week_before_overdue_share == pytest.approx(1 / 3)


def test_the_map_is_kept_until_a_handoff_changes(org, session):
    load_fixture(org)
    session.commit()
    assert relationship_map(PERIOD).edge(org.cs.id, org.qa.id).handoffs == 6
    ask(org.operator, org.qa, jst(2026, 11, 27, 9, 30))
    session.commit()
    assert relationship_map(PERIOD).edge(org.cs.id, org.qa.id).handoffs == 7


def test_default_period_is_the_last_four_complete_weeks():
    # Wednesday 2 December 2026, 08:00 in Tokyo (still Tuesday in UTC).
    period = default_period(jst(2026, 12, 2, 8, 0))
    assert (period.first_monday, period.weeks) == (date(2026, 11, 2), 4)
    assert period.last_sunday == date(2026, 11, 29)
    assert period.starts_at == jst(2026, 11, 2, 0, 0)
    # Any day picks its week's Monday.
    assert Period.of(date(2026, 11, 19), 2) == PERIOD


def _edge(**values) -> EdgeMetrics:
    base = dict(
        requester_id=1,
        provider_id=2,
        handoffs=10,
        median_accept_minutes=60,
        median_turnaround_minutes=600,
        counted=10,
        overdue=1,
        rated=0,
        mean_usefulness=None,
        mean_speed=None,
        answered=10,
        bounced=1,
        thanked=0,
    )
    return EdgeMetrics(**(base | values))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, set()),
        ({"median_turnaround_minutes": 1200}, {SLOW}),  # twice the typical 600
        ({"median_turnaround_minutes": 1199}, set()),
        ({"overdue": 5}, {SLOW}),  # half of them overdue
        ({"bounced": 3}, {BOUNCES}),  # 30%, over 25% and twice the overall 10%
        ({"bounced": 2}, set()),  # 20%: under the floor
        ({"handoffs": 4, "median_turnaround_minutes": 5000, "overdue": 4}, set()),  # too few
        ({"answered": 4, "bounced": 3}, set()),  # 3 of 4 sent back: too few answers to call
        ({"answered": 5, "bounced": 3}, {BOUNCES}),
    ],
)
def test_stall_points_by_rule(values, expected):
    edge = _edge(**values)
    assert stall_reasons(edge, 600, 0.1) == expected
    assert replace(edge, stall=frozenset(expected)).is_stall == bool(expected)
