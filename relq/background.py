"""Work that must not hold a request: run once, later, in an app context of its own.

Where it runs follows RELQ_ANALYSIS_QUEUE (the analyses' queue, relq/analysis/queue.py): on
an RQ worker (`flask relq worker`) when it is "rq", in a daemon thread of this process when
it is "thread", at once when it is "inline" (tests), and not at all when it is "off" (the
clock's own schedule does it then; the caller says so). A job is a module-level function
without arguments (RQ runs it by its dotted name), and does its own transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from flask import current_app

from relq.analysis.queue import rq_queue

log = logging.getLogger(__name__)


def run_in_background(job: Callable[[], None]) -> bool:
    """Start `job` off the request path; False if this installation runs no background work."""
    app = current_app._get_current_object()
    mode = app.config.get("ANALYSIS_QUEUE", "thread")
    if mode == "rq":
        rq_queue(app).enqueue(job, job_timeout=3600)
        return True
    if mode == "inline":
        job()
        return True
    if mode == "thread":

        def run() -> None:
            try:
                with app.app_context():
                    job()
            except Exception:
                log.exception("background job %s failed", job.__name__)

        threading.Thread(target=run, name=f"relq-{job.__name__}", daemon=True).start()
        return True
    return False
