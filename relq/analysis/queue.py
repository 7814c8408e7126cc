"""Where analysis work goes after a commit.

ANALYSIS_QUEUE:
- "thread" (default): a daemon thread in this process works through a queue;
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

from flask import Flask, current_app

log = logging.getLogger(__name__)


def enqueue(case_id: int) -> None:
    app = current_app._get_current_object()
    mode = app.config.get("ANALYSIS_QUEUE", "thread")
    try:
        if mode == "thread":
            _thread_worker(app).put(case_id)
        elif mode == "rq":
            _rq_queue(app).enqueue("relq.analysis.queue.run_job", case_id, job_timeout=120)
        elif mode == "inline":
            _analyse_now(case_id)
    except Exception:  # the case is saved and pending: the backfill will catch up
        log.exception("could not queue the analysis of case %s", case_id)


def _analyse_now(case_id: int) -> None:
    from relq.analysis.services import analyse_cases

    analyse_cases([case_id])


# ---- in-process thread ------------------------------------------------------------------------

_workers: dict[int, _ThreadWorker] = {}
_workers_lock = threading.Lock()


class _ThreadWorker:
    def __init__(self, app: Flask):
        self.app = app
        self.queue: queue.Queue[int] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="relq-analysis", daemon=True)
        self.thread.start()

    def put(self, case_id: int) -> None:
        self.queue.put(case_id)

    def _run(self) -> None:
        while True:
            case_id = self.queue.get()
            try:
                with self.app.app_context():
                    _analyse_now(case_id)
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


def _rq_queue(app: Flask):
    from redis import Redis
    from rq import Queue

    redis = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2)
    return Queue(app.config.get("RQ_QUEUE", "relq"), connection=redis)


def run_job(case_id: int) -> None:
    """An RQ job: analyse one case inside the worker's app context."""
    _analyse_now(case_id)
