"""The pack's figures against the hand-counted office of tests/review/fixture.py, on the real
database: counts by kind, channel and category, the on-time share and the medians, the previous
period beside, escalations, surges, and the effectiveness of an earlier review's action."""

from __future__ import annotations

from datetime import date

import pytest

from relq.db import db
from relq.escalations.models import Escalation
from relq.review import periods
from relq.review.pack import CURRENT, PREVIOUS, review_pack
from relq.review.services import ActionInput, ReviewRecord, add_action, start_review, update_review
from relq.themes.models import SurgeAlert
from tests.review.fixture import Q2, build, jst, neutral_case


def _by_code(rows):
    return {r.code: (r.current, r.previous) for r in rows}


def test_received_by_kind_channel_and_category(org, session):
    built = build(org)
    pack = review_pack(org.executive, Q2)
    assert pack.previous == periods.Period("quarter", date(2026, 1, 1), date(2026, 3, 31))
    kinds = _by_code(pack.by_kind)
    assert kinds["complaint"] == (3, 1)
    assert kinds["inquiry"] == (1, 0)
    assert kinds["compliment"] == (0, 1)
    assert kinds["request"] == (0, 0)
    assert (pack.received.current, pack.received.previous) == (4, 2)
    channels = _by_code(pack.by_channel)
    assert channels["phone"] == (2, 1)
    assert channels["email"] == (1, 0)
    assert channels["web"] == (0, 0)  # q3a is July in Tokyo, q2d an inquiry
    tags = built["tags"]
    categories = _by_code(pack.by_category)
    assert categories == {tags["a"].id: (2, 1), tags["b"].id: (1, 0)}
    assert pack.by_category[0].code == tags["a"].id  # most complaints first
    complaint = next(r for r in pack.by_kind if r.code == "complaint")
    assert (complaint.change, complaint.change_percent) == (2, 200.0)


def test_on_time_share_and_medians(org, session):
    build(org)
    pack = review_pack(org.executive, Q2)
    now = pack.clocks[CURRENT]["resolution"]
    assert (now.on_time, now.late, now.missed, now.running) == (2, 1, 1, 0)
    assert now.on_time_percent == pytest.approx(50.0)
    assert now.median_hours == pytest.approx(4.0, abs=0.01)
    before = pack.clocks[PREVIOUS]["resolution"]
    assert (before.on_time, before.late, before.missed) == (1, 1, 0)
    assert before.median_hours == pytest.approx(7.0, abs=0.01)
    assert pack.clocks[CURRENT]["acknowledge"].decided == 0
    assert pack.clocks[CURRENT]["acknowledge"].on_time_percent is None
    assert pack.targets[3]["resolution"] == 5400


def test_escalations_and_surges(org, session):
    build(org)
    subject = neutral_case(org, received_at=jst(2026, 5, 2, 10))
    old = neutral_case(org, received_at=jst(2026, 2, 2, 10))
    db.session.add_all(
        [
            Escalation(
                case_id=subject.id,
                reason="safety",
                level=2,
                opened_at=jst(2026, 5, 2, 11),
                closed_at=jst(2026, 5, 3, 11),
                outcome="action_ordered",
                decision="製品回収を指示",
                closed_by_id=org.executive.id,
            ),
            Escalation(case_id=old.id, reason="severity", level=2, opened_at=jst(2026, 2, 2, 11)),
        ]
    )
    for week_end, observed in (
        (date(2026, 5, 10), 5),
        (date(2026, 5, 17), 7),
        (date(2026, 3, 1), 4),
    ):
        db.session.add(
            SurgeAlert(
                key="model:KT-200|tag:rv.a",
                label="KT-200 · 蓋",
                kind="surge",
                problem_kind="tag",
                problem="rv.a",
                week_end=week_end,
                observed=observed,
                expected=1.0,
                p_value=0.001,
            )
        )
    db.session.flush()
    pack = review_pack(org.executive, Q2)
    reasons = _by_code(pack.escalations_by_reason)
    assert reasons["safety"] == (1, 0) and reasons["severity"] == (0, 1)
    assert _by_code(pack.escalations_by_outcome) == {"action_ordered": (1, 0)}
    assert [d.decision for d in pack.decisions] == ["製品回収を指示"]
    assert pack.decisions[0].case_ref == f"C-2026-{subject.id:06d}"
    [theme] = pack.themes
    assert (theme.label, theme.weeks, theme.weeks_before, theme.observed) == (
        "KT-200 · 蓋",
        2,
        1,
        12,
    )


def test_effectiveness_of_an_earlier_action(org, session):
    built = build(org)
    q1 = periods.quarter_number(2026, 1)
    earlier = start_review(org.executive, q1, title="2026 Q1")
    linked = add_action(
        org.executive,
        earlier,
        ActionInput("蓋の設計を見直す", org.qa.id, date(2026, 5, 31), tag_id=built["tags"]["a"].id),
    )
    plain = add_action(org.executive, earlier, ActionInput("研修を行う", org.cs.id))
    draft = start_review(org.executive, periods.quarter_number(2025, 4), title="2025 Q4")
    add_action(
        org.admin, draft, ActionInput("下書きの決定", org.cs.id, tag_id=built["tags"]["a"].id)
    )
    # Not held yet: its actions are not earlier decisions.
    assert review_pack(org.executive, Q2).effects == []
    update_review(
        org.executive,
        earlier,
        ReviewRecord(
            "2026年 第1四半期", "held", date(2026, 4, 15), "社長, 品質保証部長", "蓋の不具合を優先"
        ),
        expected_version=earlier.version,
    )
    db.session.flush()
    effects = review_pack(org.executive, Q2).effects
    assert [e.action.id for e in effects] == [linked.id, plain.id]
    first = effects[0]
    assert (first.before, first.after) == (1, 2)  # q1a, then q2a and q2b (q3a is July)
    assert first.before_per_30_days == pytest.approx(30 / 90)
    assert first.after_per_30_days == pytest.approx(60 / 91)
    assert (effects[1].before, effects[1].after) == (None, None)
    # The pack of the earlier quarter itself does not read its own actions back.
    assert review_pack(org.executive, q1).effects == []


def test_fiscal_quarters_and_previous_periods():
    fq1 = periods.quarter_number(2026, 1, "fiscal_quarter")
    assert (fq1.start, fq1.end) == (date(2026, 4, 1), date(2026, 6, 30))
    assert fq1.previous().quarter == (2025, 4)
    assert (fq1.previous().start, fq1.previous().end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert periods.quarter_number(2026, 4, "fiscal_quarter").end == date(2027, 3, 31)
    q1 = periods.quarter_number(2026, 1)
    assert (q1.previous().start, q1.previous().end) == (date(2025, 10, 1), date(2025, 12, 31))
    custom = periods.custom(date(2026, 5, 1), date(2026, 5, 10))
    assert (custom.previous().start, custom.previous().end) == (
        date(2026, 4, 21),
        date(2026, 4, 30),
    )
    assert periods.last_complete_quarter(date(2026, 12, 3)) == periods.quarter_number(2026, 3)
    assert Q2.starts_at.isoformat() == "2026-03-31T15:00:00+00:00"
    # A running period counts the days passed (per-30-day rates of a quarter in progress).
    assert (Q2.days_until(date(2026, 5, 1)), Q2.days_until(date(2026, 12, 3))) == (31, 91)
    assert Q2.days_until(date(2026, 3, 1)) == 0
