"""Attainment on a small known set: per department, ISO week and kind; harassment excluded;
leads see their own department only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from relq.db import db
from relq.deadlines.attainment import Tally, attainment
from relq.deadlines.models import CaseDeadline
from relq.harassment.models import HarassmentReport
from tests.deadlines.conftest import jst
from tests.factories import make_case

NOW = jst(2026, 11, 25, 12, 0)  # Wednesday of ISO week 48; week index 7 of 0..7
LAST_WEEK, THIS_WEEK = 6, 7


def keep_only(case, kind, *, due, met=None, paused=None):
    """Leave `case` one counted clock of `kind`, due and met as given (others cancelled)."""
    db.session.flush()
    for c in db.session.scalars(select(CaseDeadline).where(CaseDeadline.case_id == case.id)):
        if c.kind != kind:
            c.cancelled_at = c.cancelled_at or c.started_at
            continue
        c.started_at = c.warn_at = due - timedelta(hours=5)
        c.due_at, c.met_at, c.paused_at = due, met, paused
    db.session.flush()


@pytest.fixture
def known(org, session):
    due = jst(2026, 11, 17, 12, 0)  # Tuesday of week 47
    cases = {}

    def qa_case(name, kind, **kwargs):
        cases[name] = make_case(org.operator, department=org.qa)
        keep_only(cases[name], kind, **kwargs)

    qa_case("on_time", "resolution", due=due, met=due - timedelta(hours=1))
    qa_case("late", "resolution", due=due, met=due + timedelta(days=1))
    qa_case("missed", "resolution", due=due)
    qa_case("harassed", "resolution", due=due, met=due + timedelta(days=1))
    qa_case("ack_this_week", "acknowledge", due=jst(2026, 11, 24, 10), met=jst(2026, 11, 24, 9))
    qa_case("paused", "resolution", due=due, paused=due - timedelta(hours=1))
    qa_case("not_yet_due", "resolution", due=jst(2026, 11, 26, 12))
    qa_case("long_ago", "resolution", due=jst(2026, 9, 1, 12), met=jst(2026, 9, 1, 11))
    qa_case("next_week", "acknowledge", due=jst(2026, 12, 1, 12), met=jst(2026, 11, 25, 9))
    # The first response is the front line's: it counts for the department that took it in.
    cases["first_missed"] = make_case(org.operator, department=org.qa)
    keep_only(cases["first_missed"], "first_response", due=due)
    db.session.add(
        HarassmentReport(
            case_id=cases["harassed"].id,
            flagged_by_id=org.operator.id,
            staff_member_id=org.operator.id,
        )
    )
    db.session.flush()
    return cases


def test_attainment_counts_on_time_late_and_missed_per_week_and_kind(org, known):
    report = attainment(org.executive, now=NOW)
    assert [w.label for w in report.weeks] == [f"2026-W{n}" for n in range(41, 49)]
    assert report.weeks[THIS_WEEK].monday.isoformat() == "2026-11-23"
    by_code = {d.department.code: d for d in report.departments}
    assert set(by_code) == {"cs", "qa"}
    qa = by_code["qa"]
    # The harassment case (late) is not counted; paused, not-yet-due, out-of-window are not.
    assert qa.cell("resolution", LAST_WEEK) == Tally(on_time=1, late=1, missed=1)
    assert qa.cell("resolution", LAST_WEEK).rate == pytest.approx(1 / 3)
    assert qa.cell("acknowledge", THIS_WEEK) == Tally(on_time=1)
    assert qa.cell("first_response", LAST_WEEK) == Tally()
    assert qa.total() == Tally(on_time=2, late=1, missed=1)
    assert qa.week_total(LAST_WEEK) == Tally(1, 1, 1)
    assert by_code["cs"].cell("first_response", LAST_WEEK) == Tally(missed=1)
    assert by_code["cs"].total() == Tally(missed=1)


def test_leads_see_their_own_department_only(org, known):
    report = attainment(org.lead_qa, department_id=org.cs.id, now=NOW)
    assert [d.department.code for d in report.departments] == ["qa"]
    assert report.departments[0].total() == Tally(on_time=2, late=1, missed=1)
    other = attainment(org.lead_logistics, now=NOW)
    assert [d.department.code for d in other.departments] == ["logistics"]
    assert other.departments[0].total() == Tally()


def test_management_filters_by_department(org, known):
    report = attainment(org.executive, department_id=org.cs.id, now=NOW)
    assert [d.department.code for d in report.departments] == ["cs"]


def test_a_harassment_case_never_counts(org, known):
    harassed = known["harassed"]
    db.session.execute(
        HarassmentReport.__table__.delete().where(HarassmentReport.case_id == harassed.id)
    )
    report = attainment(org.executive, department_id=org.qa.id, now=NOW)
    assert report.departments[0].cell("resolution", LAST_WEEK) == Tally(1, 2, 1)
