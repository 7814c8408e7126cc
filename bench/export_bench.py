"""The case list's CSV export over 100,000 cases: rows per second and peak memory (SQLite).

    .venv/bin/python bench/export_bench.py [--n 100000] [--reps 3] [--keep DIR]

Seeds a SQLite database in a temporary folder (migrated with flask-migrate's `upgrade()`
under `create_app`) with the benchmark's canonical data set through the existing bulk seed
(`bench/seed_cases.py --mode bulk`: `../shared/bench/dataset.py`, every case taken in by the
contact centre, so the benchmark's operator sees all of them), plus one open resolution clock
per open case (core INSERTs), so that the export's deadline columns have something to read.

Then, in a fresh interpreter (so that the seed's memory does not count), as the benchmark's
operator through Flask's test client: `POST /cases/export.csv?scope=all` (every case, newest
first), the body read chunk by chunk as a client would, `--reps` times. Reported:

* rows/s: data rows written (counted in the CSV) over the wall time from the request to the
  last byte; the median of the runs, and the CPU time of the process for the same run;
* peak memory: the process's peak RSS (`ru_maxrss`) after the runs, and its RSS just before
  the first export (the app, the interpreter): their difference is what the exports added;
  then one more run under `tracemalloc` for the peak of Python's own allocations during an
  export (slower, not timed). A streamed export's peak does not grow with the row count.

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def seed(n: int) -> dict:
    """The bulk seed of bench/seed_cases.py, then a resolution clock per open case."""
    sys.path.insert(0, str(ROOT / "bench"))
    import seed_cases  # noqa: PLC0415  (bench/seed_cases.py: the canonical data, in bulk)
    from flask_migrate import upgrade
    from sqlalchemy import func, insert, select

    from relq import create_app
    from relq.cases.models import Case
    from relq.db import db, refresh_planner_statistics, transaction
    from relq.deadlines.models import CaseDeadline

    app = create_app()
    with app.app_context():
        upgrade()
        started = time.perf_counter()

        def progress(done: int) -> None:
            if done % 20000 < 500 or done == n:
                print(f"  seeded {done:,}/{n:,} cases", file=sys.stderr, flush=True)

        rows = seed_cases.seed_bulk(n, 2000, progress)
        open_cases = db.session.execute(
            select(Case.id, Case.received_at, Case.responsible_department_id).where(
                Case.status.notin_(("resolved", "closed"))
            )
        ).all()
        db.session.rollback()
        for lo in range(0, len(open_cases), 5000):
            with transaction():
                db.session.execute(
                    insert(CaseDeadline),
                    [
                        {
                            "case_id": case_id,
                            "kind": "resolution",
                            "department_id": department_id,
                            "started_at": received,
                            "allowed_minutes": 5400,
                            "due_at": received + timedelta(days=14),
                            "warn_at": received + timedelta(days=13),
                        }
                        for case_id, received, department_id in open_cases[lo : lo + 5000]
                    ],
                )
        refresh_planner_statistics(force=True)
        cases = db.session.scalar(select(func.count()).select_from(Case))
        seconds = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    return {"cases": cases, "rows": rows, "clocks": len(open_cases), "seed_s": round(seconds, 1)}


def measure(reps: int) -> dict:
    """Runs in its own interpreter: the exports, timed, then one under tracemalloc."""
    from relq import create_app

    app = create_app({"SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    login = {"email": seed_cases_bench_email(), "password": "bench-pass-123", "csrf_token": token}
    assert client.post("/login", data=login).status_code == 302
    token = CSRF.search(client.get("/cases/").get_data(as_text=True)).group(1)

    def export_once(query: str = "scope=all") -> tuple[int, int, int, float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.post(
            f"/cases/export.csv?{query}", data={"csrf_token": token}, buffered=False
        )
        assert response.status_code == 200 and response.is_streamed
        size = lines = chunks = 0
        for chunk in response.response:
            size += len(chunk)
            lines += chunk.count(b"\r\n")
            chunks += 1
        response.close()
        return lines - 1, size, chunks, time.perf_counter() - wall, time.process_time() - cpu

    export_once("kind=compliment&severity=1")  # warm up: the code paths, a few rows
    rss_before = _rss_kib()
    runs = [export_once() for _ in range(reps)]
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    import tracemalloc

    tracemalloc.start()
    export_once()
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    rows, size, chunks = runs[0][:3]
    walls = [r[3] for r in runs]
    cpus = [r[4] for r in runs]
    return {
        "rows": rows,
        "bytes": size,
        "chunks": chunks,
        "wall_s": [round(w, 2) for w in walls],
        "rows_per_s": round(rows / statistics.median(walls)),
        "cpu_s": [round(c, 2) for c in cpus],
        "rows_per_cpu_s": round(rows / statistics.median(cpus)),
        "rss_before_export_mib": round(rss_before / 1024, 1),
        "peak_rss_mib": round(peak_rss / 1024, 1),
        "peak_added_by_export_mib": round((peak_rss - rss_before) / 1024, 1),
        "tracemalloc_peak_mib": round(traced_peak / 2**20, 1),
    }


def seed_cases_bench_email() -> str:
    return "bench@example.com"  # bench/seed_cases.py's BENCH_EMAIL: sees every case


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--keep", default="", help="keep the seeded database in this folder")
    ap.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:  # the child: DATABASE_URL and the rest come from the environment
        print(json.dumps(measure(args.reps)))
        return

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="relq-export-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        RELQ_CONFIG="production",
        SECRET_KEY="export-bench-" + "x" * 40,
        RELQ_INSTANCE_PATH=str(folder),
        DATABASE_URL=f"sqlite:///{folder / 'relq.db'}",
        RELQ_ANALYSIS_QUEUE="off",
        RELQ_MAIL_QUEUE="off",
    )
    try:
        database = folder / "relq.db"
        seeded = None
        if not database.exists():
            os.environ.update(env)
            seeded = seed(args.n)
        child = subprocess.run(  # noqa: S603  (this very script, as a fresh interpreter)
            [sys.executable, __file__, "--measure", "--reps", str(args.reps)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            sys.exit(child.stderr[-3000:])
        result = json.loads(child.stdout.strip().splitlines()[-1])
        print(json.dumps({"db": "sqlite", "n": args.n, "seed": seeded, **result}))
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
