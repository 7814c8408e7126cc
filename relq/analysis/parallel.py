"""The analysis backfill on several cores (`flask relq nlp backfill --processes N`).

The NLP is CPU-bound Python (GiNZA, SudachiPy): one process uses one core however many
threads it has. Here each of N processes (spawned, each with its own app, engine and
pipelines) takes batches of the waiting cases from one queue and analyses them exactly as
`backfill` does in one process: the reading outside any write transaction, one short write
transaction per batch, a failed batch retried case by case. Batches rather than fixed shares,
so that a process that drew long texts does not finish last on its own.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable

from relq.analysis.services import BACKFILL_BATCH, backfill

_context = None  # the app context a worker process keeps for its whole life


def _start_worker(database_url: str) -> None:
    """In each spawned process: an app on the same database (the rest of its configuration
    comes from the environment, as the parent's did), the NLP loaded once."""
    global _context
    from relq import create_app, nlp

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "ANALYSIS_QUEUE": "off"})
    _context = app.app_context()
    _context.push()
    nlp.warm_up()


def _analyse_batch(case_ids: list[int]) -> tuple[int, int, int]:
    result = backfill(case_ids)
    return len(case_ids), result["done"], result["failed"]


def backfill_in_processes(
    case_ids: Iterable[int],
    *,
    processes: int,
    database_url: str,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """`backfill` spread over `processes` processes; the same {"done", "failed"} counts."""
    ids = list(case_ids)
    if not ids:
        return {"done": 0, "failed": 0}
    workers = max(1, min(processes, len(ids), os.cpu_count() or processes))
    # Smaller batches when there are few cases, so that every process gets some.
    size = max(1, min(BACKFILL_BATCH, -(-len(ids) // (workers * 4))))
    batches = [ids[i : i + size] for i in range(0, len(ids), size)]
    done = failed = 0
    # spawn, not fork: the parent holds open database connections and may hold loaded
    # pipelines and threads, none of which survive a fork safely.
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_start_worker, initargs=(database_url,)) as pool:
        for analysed, batch_done, batch_failed in pool.imap_unordered(_analyse_batch, batches):
            done += batch_done
            failed += batch_failed
            if progress:
                progress(analysed)
    return {"done": done, "failed": failed}
