"""The ありがとう feed's queries over N handoffs (about 8 % of them confirmed with a thank-you,
seeded by bench/relations_bench.py's `seed`, bulk INSERTs) on a fresh SQLite file or a fresh
PostgreSQL database: the first page and a deep page of the merged feed (compliments and
internal thanks in one query), the internal-only page of one department, and the 12 weeks'
per-department counts. Each is timed with the partial indexes ix_handoffs_thanked_closed_at
and ix_handoffs_thanked_provider_closed_at (migration 0012) and without them (dropped), the
median of --reps runs, in ms.

    .venv/bin/python bench/thanks_feed_bench.py [--db sqlite|postgresql] [--handoffs 300000]
        [--departments 8] [--reps 7]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("RELQ_CONFIG", "test")

from bench.relations_bench import _app, seed  # noqa: E402


def _median_ms(function, reps: int) -> float:
    samples = []
    for _ in range(reps):
        begin = time.perf_counter()
        function()
        samples.append((time.perf_counter() - begin) * 1000)
    return statistics.median(samples)


def run(url: str, args) -> dict:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from relq.db import db, refresh_planner_statistics, utcnow
    from relq.thanks.services import (
        FeedFilters,
        thanks_feed,
        thanks_feed_statement,
        thanks_per_department,
    )

    app = _app(url)
    results: dict[str, dict[str, float]] = {}
    with app.app_context():
        upgrade()
        made = seed(
            args.handoffs, args.departments, args.handoffs // 10, utcnow(), random.Random(15)
        )
        db.session.rollback()  # a new transaction: see what the seed committed
        thanked = db.session.scalar(sa.text("SELECT count(*) FROM handoffs WHERE thanks <> ''"))
        department = made["departments"][1]
        queries = {
            "feed, first page": lambda: thanks_feed(FeedFilters(), limit=21),
            "feed, page 50": lambda: thanks_feed(FeedFilters(), limit=21, offset=49 * 20),
            "internal, one department": lambda: thanks_feed(
                FeedFilters(department_id=department, source="internal"), limit=21
            ),
            "per-department counts": lambda: thanks_per_department(),
        }
        for state in ("with the indexes", "without them"):
            if state == "without them":
                db.session.execute(sa.text("DROP INDEX ix_handoffs_thanked_closed_at"))
                db.session.execute(sa.text("DROP INDEX ix_handoffs_thanked_provider_closed_at"))
                db.session.commit()
            if db.engine.dialect.name == "postgresql":
                db.session.execute(sa.text("ANALYZE"))  # what autovacuum does after the load
            else:
                refresh_planner_statistics(force=True)
            db.session.commit()
            if args.explain:
                statement = thanks_feed_statement(FeedFilters(), limit=21)
                compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
                plan = db.session.execute(sa.text(f"EXPLAIN {compiled}")).all()
                print(state, *(" ".join(str(c) for c in row) for row in plan), sep="\n  ")
            results[state] = {}
            for name, query in queries.items():
                query()  # warm
                db.session.rollback()
                results[state][name] = _median_ms(query, args.reps)
                db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    results["thanked"] = {"handoffs": args.handoffs, "thanked": thanked}
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--handoffs", type=int, default=300_000)
    parser.add_argument("--departments", type=int, default=8)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="print the first page's plan")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if args.db == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            results = run(f"sqlite:///{tmp}/bench.db", args)
    else:
        import psycopg

        admin = args.pg.replace("postgresql+psycopg://", "postgresql://")
        name = f"relq_thanks_bench_{os.getpid()}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            results = run(args.pg.rsplit("/", 1)[0] + f"/{name}", args)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"{args.db}: {results.pop('thanked')}")
    for state, timings in results.items():
        print(f"  {state}:")
        for name, ms in timings.items():
            print(f"    {name:28s} {ms:8.1f} ms")


if __name__ == "__main__":
    main()
