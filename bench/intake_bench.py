"""Intake through relq's own services, the path an import or a mailbox takes (the issue's
target: >= 300 cases/s on SQLite and on PostgreSQL, analysis deferred), then the analysis
backfill of what was logged (target: >= 500 cases/s on two cores).

Each case goes through `create_case` with everything intake does: the customer found or
made, the audit events, the front-line observation note, the deadline clocks, the escalation
checks, the routing rules (the demo's), the analysis marked pending. Cases are committed in
transactions of `--batch` cases, as an import would; `--processes` runs that many importers
side by side on the same database (each its own share of the cases). Medians come from
`--rounds` rounds of `--cases` cases; the machine's load (1-minute average) is printed with
them because the box is shared.

    .venv/bin/python bench/intake_bench.py                                   # SQLite
    .venv/bin/python bench/intake_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/relq_bench_intake
    .venv/bin/python bench/intake_bench.py --processes 2 --backfill --json out.json
    .venv/bin/python bench/intake_bench.py --rounds 1 --cases 6000 --backfill --backfill-processes 2
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RELQ_CONFIG", "test")

SUBJECTS = [
    ("荷物が届かない", "注文した商品がまだ届いていません。配送状況を確認してください。"),
    ("ケトルの蓋が閉まらない", "電気ケトルの蓋がロックされず、熱湯がこぼれそうになりました。"),
    ("返金してほしい", "届いた商品が破損していたので返品と返金をお願いしたいです。"),
    ("The parcel never arrived", "I ordered a coffee maker two weeks ago and it has not arrived."),
]


def _app(url: str):
    from relq import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "ANALYSIS_QUEUE": "off"})


def _prepare(url: str) -> None:
    """A fresh schema, the starter tags and the demo's organisation and routing rules."""
    if url.startswith("postgresql"):
        import psycopg

        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://") + "/test"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    from flask_migrate import upgrade

    app = _app(url)
    with app.app_context():
        from relq.db import db, transaction
        from relq.demo.loader import DEMO_RULES, load_demo_organisation
        from relq.routing.services import RuleInput, save_rule
        from relq.tags.services import seed_default_tags

        upgrade()
        with transaction():
            seed_default_tags()
            departments, users = load_demo_organisation("bench-pass-123")
            admin = next(u for u in users if u.role == "admin")
            for name, code, conditions in DEMO_RULES:
                save_rule(RuleInput(name, departments[code].id, conditions), actor=admin)
        db.engine.dispose()


def _log(url: str, n: int, batch: int, seed: int, queue=None) -> float:
    """Log `n` cases in transactions of `batch`; returns the seconds it took."""
    app = _app(url)
    with app.app_context():
        from sqlalchemy import select

        from relq.cases.services import CaseInput, CustomerInput, create_case
        from relq.db import db, transaction, utcnow
        from relq.org.models import User

        operator_id = db.session.scalar(select(User.id).where(User.role == "operator").limit(1))
        db.session.rollback()
        started = time.perf_counter()
        done = 0
        while done < n:
            with transaction():
                actor = db.session.get(User, operator_id)
                for i in range(done, min(done + batch, n)):
                    subject, words = SUBJECTS[i % len(SUBJECTS)]
                    create_case(
                        actor,
                        CaseInput(
                            intake_token=secrets.token_urlsafe(12),
                            kind="complaint",
                            channel="email",
                            received_at=utcnow() - timedelta(hours=1),
                            subject=f"{subject} {seed}-{i}",
                            customer_words=words,
                            product="コーヒーメーカー CM-10",
                            remedy_requested="再送",
                            severity=3,
                            # one customer in five writes again
                            customer=CustomerInput(email=f"c{seed}-{i % (n * 4 // 5 or 1)}@ex.jp"),
                            observation="二回目の問い合わせ",
                        ),
                    )
            done = min(done + batch, n)
            if queue is not None:
                queue.put(done)
        seconds = time.perf_counter() - started
        db.engine.dispose()
    return seconds


def _worker(args) -> float:
    return _log(*args)


def _bar(done: int, total: int, label: str) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")


def intake_round(url: str, cases: int, batch: int, processes: int, seed: int) -> float:
    """Cases per second of one round (all processes together, wall clock)."""
    share = cases // processes
    if processes == 1:
        seconds = _log(url, share, batch, seed)
        return share / seconds
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes) as pool:
        # each process times its own logging (not its start-up); they overlap, so the slowest
        # one's time is the round's
        seconds = pool.map(_worker, [(url, share, batch, seed * 100 + p) for p in range(processes)])
    return share * processes / max(seconds)


def backfill_rate(url: str, processes: int = 1) -> tuple[float, float, int]:
    """The NLP backfill of every case waiting, as `flask relq nlp backfill [--processes N]`
    runs it: (cases/s overall, cases/s steady, cases). With several processes the overall
    clock includes their start (each loads the NLP)."""
    app = _app(url)
    with app.app_context():
        from relq import nlp
        from relq.analysis.parallel import backfill_in_processes
        from relq.analysis.services import backfill, waiting_case_ids
        from relq.db import db

        nlp.warm_up()
        ids = waiting_case_ids(limit=1_000_000)
        db.session.rollback()
        done = [0]
        first: list[tuple[float, int]] = []  # when the first batch came back, and its size

        def progress(k: int) -> None:
            done[0] += k
            if not first:
                first.append((time.perf_counter(), done[0]))
            _bar(done[0], len(ids), f"backfill ({processes} process(es))")

        started = time.perf_counter()
        if processes > 1:
            result = backfill_in_processes(
                ids, processes=processes, database_url=url, progress=progress
            )
        else:
            result = backfill(ids, progress=progress)
        sys.stderr.write("\n")
        ended = time.perf_counter()
        db.engine.dispose()
    # Spawned processes each load the NLP first (~10 s): the steady rate, from the first batch
    # back to the end, is what a long backfill runs at.
    at, size = first[0] if first else (started, 0)
    steady = (result["done"] - size) / (ended - at) if ended > at else 0.0
    return result["done"] / (ended - started), steady, result["done"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="", help="a PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--cases", type=int, default=1000, help="cases per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=100, help="cases per transaction")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--backfill", action="store_true", help="then time the NLP backfill")
    parser.add_argument(
        "--backfill-processes", type=int, default=1, help="the backfill's processes (cores)"
    )
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='relq-intake-')}/relq.db"
    _prepare(url)
    rates = []
    for r in range(args.rounds):
        _bar(r, args.rounds, "intake rounds")
        rates.append(intake_round(url, args.cases, args.batch, args.processes, seed=r))
    _bar(args.rounds, args.rounds, "intake rounds")
    sys.stderr.write("\n")
    result = {
        "db": url.split(":", 1)[0],
        "cases_per_round": args.cases,
        "batch": args.batch,
        "processes": args.processes,
        "intake_cases_per_s": [round(x, 1) for x in rates],
        "intake_median_cases_per_s": round(statistics.median(rates), 1),
        "load_1min": os.getloadavg()[0],
    }
    if args.backfill:
        rate, steady, n = backfill_rate(url, args.backfill_processes)
        result |= {
            "backfill_cases": n,
            "backfill_processes": args.backfill_processes,
            "backfill_cases_per_s": round(rate, 1),
            "backfill_steady_cases_per_s": round(steady, 1),
        }
    print(json.dumps(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
