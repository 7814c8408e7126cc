"""Where analysis work goes after a commit.

ANALYSIS_QUEUE:
- "thread" (default): a daemon thread in this process works through a queue, when the process
  is idle (see _ThreadWorker);
- "rq": RQ on Redis (REDIS_URL), worked by `flask relq worker`;
- "inline": right after the commit, in the request (tests, single-user demos);
- "off": nothing is queued; `flask relq nlp backfill` does the work.
Whatever the mode, a case whose analysis is lost (process killed, Redis down) stays pending
in the database and the backfill finds it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from flask import Flask, current_app, request_started, request_tearing_down

log = logging.getLogger(__name__)


def enqueue(case_id: int, job: Callable[[int], None]) -> None:
    """Run `job(case_id)` where ANALYSIS_QUEUE says (a module-level function: RQ runs it in the
    worker by its dotted name, inside the worker's app context)."""
    app = current_app._get_current_object()
    mode = app.config.get("ANALYSIS_QUEUE", "thread")
    try:
        if mode == "thread":
            _thread_worker(app).put(case_id, job)
        elif mode == "rq":
            rq_queue(app).enqueue(job, case_id, job_timeout=120)
        elif mode == "inline":
            job(case_id)
    except Exception:  # the case is saved and pending: the backfill will catch up
        log.exception("could not queue the analysis of case %s", case_id)


# ---- in-process thread ------------------------------------------------------------------------

_workers: dict[int, _ThreadWorker] = {}
_workers_lock = threading.Lock()


class _ThreadWorker:
    """Analyses the cases this process saved, one at a time, when the process has no request
    to serve.

    The analysis (spaCy/SudachiPy and the tag model, a few milliseconds of CPU a case) runs
    in the web worker's own process: started at once, it shares the GIL and the CPU with the
    requests that come next, and its write transaction with their writes, so the intake that
    queued it got slower the busier the app was (p95 445 ms against 81 ms without it, see
    bench/README.md). So it waits until no request has been in flight for ANALYSIS_IDLE_MS,
    and looks again before each case. Under sustained load the analyses queue up and run in
    the next lull, or after ANALYSIS_MAX_DEFER_S at the latest (their search words and tag
    suggestions must not wait for ever). The case is "pending" in the database meanwhile;
    a lost queue (process restarted) is caught up by `flask relq nlp backfill`."""

    def __init__(self, app: Flask):
        self.app = app
        self.queue: queue.Queue[tuple[int, Callable[[int], None], float]] = queue.Queue()
        self.idle_s = app.config.get("ANALYSIS_IDLE_MS", 50) / 1000
        self.max_defer_s = app.config.get("ANALYSIS_MAX_DEFER_S", 60)
        self.in_flight = 0
        self.last_request = time.monotonic()
        request_started.connect(self._request_started, app, weak=False)
        request_tearing_down.connect(self._request_ended, app, weak=False)
        self.thread = threading.Thread(target=self._run, name="relq-analysis", daemon=True)
        self.thread.start()

    def _request_started(self, _sender, **_extra) -> None:
        self.in_flight += 1
        self.last_request = time.monotonic()

    def _request_ended(self, _sender, **_extra) -> None:
        # (the request that made this worker began before it counted: never below zero)
        self.in_flight = max(self.in_flight - 1, 0)
        self.last_request = time.monotonic()

    def put(self, case_id: int, job: Callable[[int], None]) -> None:
        self.queue.put((case_id, job, time.monotonic()))

    def _wait_until_idle(self, queued_at: float) -> None:
        while True:
            now = time.monotonic()
            if self.in_flight == 0 and now - self.last_request >= self.idle_s:
                return
            if now - queued_at >= self.max_defer_s:
                return
            time.sleep(self.idle_s / 2)

    def _run(self) -> None:
        while True:
            case_id, job, queued_at = self.queue.get()
            try:
                self._wait_until_idle(queued_at)
                with self.app.app_context():
                    job(case_id)
            except Exception:
                log.exception("analysis of case %s failed", case_id)
            finally:
                self.queue.task_done()


def _thread_worker(app: Flask) -> _ThreadWorker:
    with _workers_lock:
        worker = _workers.get(id(app))
        if worker is None:
            worker = _workers[id(app)] = _ThreadWorker(app)
        return worker


def wait_for_thread_worker(app: Flask) -> None:
    """Block until the app's thread worker has nothing left (tests, CLI)."""
    worker = _workers.get(id(app))
    if worker is not None:
        worker.queue.join()


# ---- RQ -------------------------------------------------------------------------------------


def rq_queue(app: Flask):
    from redis import Redis
    from rq import Queue

    redis = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2)
    return Queue(app.config.get("RQ_QUEUE", "relq"), connection=redis)
