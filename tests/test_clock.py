"""The clock across processes: one tick at a time however many workers try (relq/tick.py),
and workers that tick side by side never double an escalation or a notification."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from relq.db import db, transaction, utcnow
from relq.deadlines.models import CaseDeadline
from relq.escalations.models import Escalation
from relq.notify.models import Notification
from relq.tick import tick_lock
from tests.factories import make_case
from tests.nodes import ROOT

pytestmark = pytest.mark.slow


def _env(db_url: str, tmp_path, **extra: str) -> dict[str, str]:
    """A production-like process of relq's own CLI on the test's database."""
    return {
        **os.environ,
        "FLASK_APP": "wsgi",
        "RELQ_CONFIG": "development",
        "DATABASE_URL": db_url,
        "SECRET_KEY": "clock-test-secret-clock-test-secret",
        "RELQ_INSTANCE_PATH": str(tmp_path / "instance"),
        "RELQ_ANALYSIS_QUEUE": "off",
        "REDIS_URL": "",
        **extra,
    }


def _flask(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603  (relq's own CLI)
        [sys.executable, "-m", "flask", "relq", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _lapsed_cases(org, n: int = 4) -> list[int]:
    """Severity-1 cases routed to QA a week ago: their clocks have all lapsed, so the next
    tick marks them missed, raises escalations and notifies people."""
    with transaction():
        cases = [
            make_case(
                org.operator,
                department=org.qa,
                severity=1,
                received_at=utcnow() - timedelta(days=7),
                subject=f"一週間前の重大な苦情 {i}",
            )
            for i in range(n)
        ]
    return [c.id for c in cases]


def _missed() -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count()).select_from(CaseDeadline).where(CaseDeadline.missed_at.is_not(None))
    )


def _counts() -> tuple[int, int, int]:
    """Escalations, notifications, and notifications that repeat another one exactly (the same
    person told the same thing about the same case twice)."""
    db.session.rollback()
    escalations = db.session.scalar(select(func.count()).select_from(Escalation))
    told = Counter(
        (n.user_id, n.case_id, n.escalation_id, n.event, json.dumps(n.params, sort_keys=True))
        for n in db.session.scalars(select(Notification))
    )
    return escalations, sum(told.values()), sum(n - 1 for n in told.values())


def test_a_tick_while_another_holds_the_clock_does_nothing(app, org, db_url, tmp_path):
    _lapsed_cases(org)
    before = _counts()
    env = _env(db_url, tmp_path)
    with tick_lock() as held:
        assert held
        other = _flask("tick", env=env)
        output, _ = other.communicate(timeout=300)
        assert other.returncode == 0, output
        assert "Another tick is running" in output
        assert _missed() == 0 and _counts() == before
    # Released (as it is when its holder dies): the next tick runs.
    other = _flask("tick", env=env)
    output, _ = other.communicate(timeout=300)
    assert other.returncode == 0, output
    assert "deadlines:" in output
    assert _missed() > 0 and _counts()[0] > before[0]


def test_two_workers_ticking_side_by_side_never_double_an_escalation_or_a_notification(
    app, org, db_url, tmp_path
):
    _lapsed_cases(org)
    before = _counts()
    env = _env(db_url, tmp_path, RELQ_TICK_INTERVAL="1")
    workers = [_flask("worker", env=env) for _ in range(2)]
    try:
        deadline = time.monotonic() + 180
        while _missed() == 0 and time.monotonic() < deadline:
            assert all(w.poll() is None for w in workers), workers[0].stdout.read()
            time.sleep(0.5)
        time.sleep(2)  # the tick that stamped them finishes its other steps
        escalations, notifications, _ = _counts()
        assert escalations > before[0], "no worker ticked"
        time.sleep(4)  # several more ticks from both workers
    finally:
        for worker in workers:
            worker.terminate()
        outputs = [w.communicate(timeout=30)[0] for w in workers]
    assert _counts() == (escalations, notifications, 0), outputs
    assert notifications > before[1]


def test_surges_are_looked_for_every_surge_interval_not_every_tick(app, org, monkeypatch):
    """Finding surges reads nine weeks of cases; the clock runs it when it is due (the time of
    its last run is in the database, so every worker on every machine agrees)."""
    from relq import tick as clock
    from relq.tick import ClockRun

    runs = []
    monkeypatch.setattr("relq.themes.services.record_surges", lambda: runs.append(1) or [])
    app.config["SURGE_INTERVAL_S"] = 900
    now = utcnow()
    monkeypatch.setattr(clock, "utcnow", lambda: now)
    assert clock.tick().ran and runs == [1]
    assert clock.tick().ran and runs == [1]  # a minute later: not due
    assert db.session.get(ClockRun, "surges").ran_at == now
    later = now + timedelta(minutes=15)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    clock.tick()
    assert runs == [1, 1]
    db.session.rollback()
    assert db.session.get(ClockRun, "surges").ran_at == later
