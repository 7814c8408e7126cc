"""The handoff inbox page as a lead opens it (GET /handoffs/, the whole request: scope, the page
of 50 with its cases and people, the counts, the menu, the template), over N open handoffs
among D departments, seeded by bench/relations_bench.py's `seed` (bulk INSERTs). Issue 15's
target: p95 < 50 ms at 100k open handoffs. Prints p50/p95 per box over --requests requests
spread over the departments' leads, on a fresh SQLite file or a fresh PostgreSQL database.

    .venv/bin/python bench/handoff_inbox_bench.py [--db sqlite|postgresql] [--open 100000]
        [--departments 8] [--requests 200]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("RELQ_CONFIG", "test")

from bench.relations_bench import _app, seed  # noqa: E402


def _login(app, email: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"email": email, "password": "bench-password", "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    return client


def run(url: str, args) -> dict:
    from flask_migrate import upgrade

    from relq.db import db, utcnow
    from relq.org.models import User

    app = _app(url)
    with app.app_context():
        upgrade()
        made = seed(args.open, args.departments, args.open, utcnow(), random.Random(15))
        emails = [db.session.get(User, i).email for i in made["leads"]]
        db.session.remove()
    clients = [_login(app, e) for e in emails]
    results = {}
    for box in ("incoming", "outgoing"):
        rng = random.Random(7)
        samples = []
        for _ in range(args.requests):
            client = clients[rng.randrange(len(clients))]
            begin = time.perf_counter()
            response = client.get(f"/handoffs/?box={box}")
            samples.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 200
        samples.sort()
        results[box] = (samples[len(samples) // 2], samples[int(len(samples) * 0.95) - 1])
    with app.app_context():
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--departments", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if args.db == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            results = run(f"sqlite:///{tmp}/bench.db", args)
    else:
        import psycopg

        admin = args.pg.replace("postgresql+psycopg://", "postgresql://")
        name = f"relq_bench_inbox_{os.getpid()}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            results = run(re.sub(r"/[^/]*$", f"/{name}", args.pg), args)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for box, (p50, p95) in results.items():
        print(
            f"{args.db}: /handoffs/?box={box} over {args.open:,} open handoffs, "
            f"{args.departments} departments: p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )


if __name__ == "__main__":
    main()
