"""The clock: relq's periodic housekeeping, run by `flask relq tick` (cron) or, without any
cron, by every `flask relq worker` on its schedule.

Several workers on several machines may all try to tick; one lock lets only one tick run at a
time, and it dies with its holder, so a tick that dies is taken over by the next one:
- PostgreSQL: a session-level advisory lock on a connection of its own (released by the server
  when that connection ends, however the process ends);
- SQLite: an flock() on a file beside the database (released by the kernel with the process).
A tick that finds the lock taken does nothing and says so. Every step is idempotent as well:
a tick that runs after another has finished finds nothing left to do.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import String, func, select, text
from sqlalchemy.orm import Mapped, mapped_column

from relq.capability import installed
from relq.db import (
    UTCDateTime,
    db,
    refresh_planner_statistics,
    sqlite_side_file,
    transaction,
    utcnow,
)

log = logging.getLogger(__name__)

# Any fixed number, the same in every process: the advisory lock's name on PostgreSQL.
_ADVISORY_KEY = 0x72656C71  # "relq"
_local_lock = threading.Lock()  # in-memory SQLite: threads of one process


class ClockRun(db.Model):
    """When a step of the clock that need not run at every tick last ran (one row per step;
    read and written under the clock's lock, so one tick at a time decides)."""

    __tablename__ = "clock_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    ran_at = mapped_column(UTCDateTime, nullable=False)


def due(name: str, every: timedelta, now: datetime) -> bool:
    """Whether the step `name` is due (it last ran `every` or longer ago, or never); if so,
    records that it runs now. Flushes, never commits: the step's transaction keeps both."""
    row = db.session.get(ClockRun, name)
    if row is not None and now - row.ran_at < every:
        return False
    if row is None:
        db.session.add(ClockRun(name=name, ran_at=now))
    else:
        row.ran_at = now
    db.session.flush()
    return True


@dataclass
class TickSummary:
    ran: bool
    analysed: dict[str, int] = field(default_factory=dict)
    alerts: int = 0
    forgotten_failures: int = 0
    retrained: list[str] = field(default_factory=list)
    steps: dict[str, Any] = field(default_factory=dict)


@contextmanager
def tick_lock() -> Iterator[bool]:
    """Yields whether this process holds the clock's lock (False: another tick is running)."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            held = connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": _ADVISORY_KEY})
            connection.commit()
            try:
                yield bool(held)
            finally:
                if held:
                    connection.scalar(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_KEY})
                    connection.commit()
        return
    path = sqlite_side_file(engine, "tick.lock")
    if path is None:
        held = _local_lock.acquire(blocking=False)
        try:
            yield held
        finally:
            if held:
                _local_lock.release()
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def tick(*, retrain_after_hours: int = 24) -> TickSummary:
    """One tick, if no other is running: analyse cases still waiting, record this week's
    surges, forget old login failures, run each capability's step (relq/capabilities.py's
    order), and retrain
    the learned models once they are older than `retrain_after_hours`. Each part commits its
    own work, so one failing part does not undo the others, and the next tick retries it."""
    with tick_lock() as held:
        if not held:
            return TickSummary(ran=False)
        return _tick(retrain_after_hours)


def _tick(retrain_after_hours: int) -> TickSummary:
    from relq.analysis.services import backfill, waiting_case_ids
    from relq.auth.services import forget_old_failures
    from relq.learning import LearnedModel, train_model
    from relq.themes.services import record_surges

    summary = TickSummary(ran=True)
    waiting = waiting_case_ids(limit=5000, queued_before=_queue_grace_ends())
    db.session.rollback()
    summary.analysed = backfill(waiting) if waiting else {"done": 0, "failed": 0}
    with transaction():
        # Surges are weekly counts, and finding them reads the last nine weeks: every
        # SURGE_INTERVAL_S is soon enough, every tick (a minute) would cost seconds a minute.
        every = timedelta(seconds=current_app.config["SURGE_INTERVAL_S"])
        if due("surges", every, utcnow()):
            summary.alerts = len(record_surges())
        summary.forgotten_failures = forget_old_failures()
    for name, step in installed().ticks:
        with transaction():
            summary.steps[name] = step(utcnow())
    refresh_planner_statistics()
    for kind in ("tags", "departments"):
        newest = db.session.scalar(
            select(func.max(LearnedModel.created_at)).where(LearnedModel.kind == kind)
        )
        if newest is None or utcnow() - newest > timedelta(hours=retrain_after_hours):
            with transaction():
                if train_model(kind):
                    summary.retrained.append(kind)
    db.session.rollback()
    return summary


def _queue_grace_ends() -> datetime | None:
    """Where a queue analyses cases (a thread in each web process, or RQ), a case queued in
    the last ANALYSIS_GRACE_S is the queue's: analysing it here as well would do the work
    twice (and race the queue for the same rows). Without a queue the tick is the only one."""
    if current_app.config["ANALYSIS_QUEUE"] not in ("thread", "rq"):
        return None
    return utcnow() - timedelta(seconds=current_app.config["ANALYSIS_GRACE_S"])


class Clock:
    """A thread that ticks every `interval` seconds in this process (the worker's), each tick
    in an app context of its own. Errors are logged, never fatal: the next tick retries."""

    def __init__(self, app: Flask, interval: float):
        self.app = app
        self.interval = interval
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="relq-clock", daemon=True)

    def start(self) -> Clock:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=self.interval + 60)

    def _run(self) -> None:
        while not self.stopped.is_set():
            started = time.monotonic()
            try:
                with self.app.app_context():
                    summary = tick()
                    db.session.remove()
                if summary.ran:
                    log.info("tick: %s", summary)
                else:
                    log.info("tick skipped: another worker is ticking")
            except Exception:
                log.exception("tick failed; the next one retries")
            self.stopped.wait(max(0.0, self.interval - (time.monotonic() - started)))
