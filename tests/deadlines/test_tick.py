"""tick: warns, then misses, each clock once; paused clocks wait; a second tick does nothing."""

from __future__ import annotations

from sqlalchemy import select

from relq import events
from relq.cases.services import add_note, transition_case
from relq.db import db
from relq.deadlines.models import CaseDeadline
from relq.deadlines.services import tick
from tests.deadlines.conftest import jst
from tests.factories import make_case


class Heard:
    def __init__(self):
        self.warned: list[tuple[int, str]] = []
        self.missed: list[tuple[int, str]] = []

    def on_warned(self, case, *, deadline):
        assert deadline.case_id == case.id
        self.warned.append((case.id, deadline.kind))

    def on_missed(self, case, *, deadline):
        assert deadline.case_id == case.id and deadline.missed_at is not None
        self.missed.append((case.id, deadline.kind))

    def tick(self, now):
        self.warned.clear()
        self.missed.clear()
        with (
            events.deadline_warned.connected_to(self.on_warned),
            events.deadline_missed.connected_to(self.on_missed),
        ):
            return tick(now)


def clocks_of(case) -> dict[str, CaseDeadline]:
    db.session.expire_all()
    return {
        c.kind: c
        for c in db.session.scalars(select(CaseDeadline).where(CaseDeadline.case_id == case.id))
    }


def test_tick_warns_then_misses_each_clock_once(org, clock, session):
    clock.set(2026, 11, 18, 10, 0)
    # Severity 1: acknowledgement due 11:00 (warn 10:30), first response due 11:30 (warn 11:00).
    case = make_case(
        org.operator, department=org.qa, received_at=jst(2026, 11, 18, 9, 30), severity=1
    )
    heard = Heard()

    assert heard.tick(jst(2026, 11, 18, 10, 29)) == {"missed": 0, "warned": 0}
    assert heard.tick(jst(2026, 11, 18, 10, 45)) == {"missed": 0, "warned": 1}
    assert heard.warned == [(case.id, "acknowledge")] and heard.missed == []
    assert clocks_of(case)["acknowledge"].warned_at == jst(2026, 11, 18, 10, 45)

    assert heard.tick(jst(2026, 11, 18, 11, 15)) == {"missed": 1, "warned": 1}
    assert heard.missed == [(case.id, "acknowledge")]
    assert heard.warned == [(case.id, "first_response")]
    clocks = clocks_of(case)
    assert clocks["acknowledge"].missed_at == jst(2026, 11, 18, 11, 15)
    assert clocks["acknowledge"].warned_at == jst(2026, 11, 18, 10, 45)  # not stamped again

    # Idempotent: the same moment again stamps and announces nothing.
    assert heard.tick(jst(2026, 11, 18, 11, 15)) == {"missed": 0, "warned": 0}
    assert heard.warned == heard.missed == []

    assert heard.tick(jst(2026, 11, 18, 12, 0)) == {"missed": 1, "warned": 0}
    assert heard.missed == [(case.id, "first_response")]
    assert heard.tick(jst(2026, 11, 18, 12, 5)) == {"missed": 0, "warned": 0}
    assert heard.warned == heard.missed == []


def test_a_clock_found_past_due_is_announced_as_missed_only(org, clock, session):
    clock.set(2026, 11, 18, 10, 0)
    case = make_case(org.operator, received_at=jst(2026, 11, 18, 9, 30), severity=1)
    heard = Heard()
    assert heard.tick(jst(2026, 11, 25, 10, 0)) == {"missed": 2, "warned": 0}
    assert sorted(heard.missed) == [(case.id, "first_response"), (case.id, "resolution")]
    assert heard.warned == []
    clocks = clocks_of(case)
    assert all(c.warned_at is not None and c.missed_at is not None for c in clocks.values())
    assert heard.tick(jst(2026, 11, 26, 10, 0)) == {"missed": 0, "warned": 0}


def test_met_cancelled_and_paused_clocks_are_left_alone(org, clock, session):
    clock.set(2026, 11, 18, 10, 0)
    paused = make_case(
        org.operator,
        department=org.qa,
        status="in_progress",
        received_at=jst(2026, 11, 18, 9, 30),
    )
    transition_case(
        paused, actor=org.operator, action="await_customer", expected_version=paused.version
    )
    done = make_case(
        org.operator, department=org.qa, status="resolved", received_at=jst(2026, 11, 18, 9, 30)
    )
    add_note(done, actor=org.operator, kind="response", body="交換品の発送をお伝えしました")
    heard = Heard()
    assert heard.tick(jst(2027, 3, 1, 10, 0)) == {"missed": 0, "warned": 0}
    for case in (paused, done):
        assert all(c.missed_at is None and c.warned_at is None for c in clocks_of(case).values())
