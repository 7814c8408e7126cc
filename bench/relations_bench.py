"""The relationship map, a department's scorecard and the handoff inbox over 1,000,000 handoffs
(issue 15's targets: map and scorecard < 2 s, inbox p95 < 50 ms at 100k open handoffs).

For each database (SQLite in a temporary directory; PostgreSQL in a fresh database on
127.0.0.1:5432 that this script creates and drops), migrated with flask-migrate's `upgrade()`:
- D departments (8–30), a lead in each and an executive, through the org services;
- N handoffs bulk-inserted with core INSERTs (the services would take hours): asked over the
  last 52 weeks along skewed department pairs, most confirmed with ratings, turnaround and
  bounces as the services would have stored them, some declined or cancelled, and OPEN of them
  (the most recent) still open, a share of those past due and stamped overdue;
then times, each run on an empty relq cache (relq.cache.forget_all) so the SQL is measured:
- the map (relq.relations.services.relationship_map) for its default period, the last four
  complete weeks, and for the whole year (every handoff), medians of --reps runs, and once
  more from the cache;
- the scorecard of the busiest department (relq.relations.scorecard.scorecard), as an
  executive;
- the inbox a lead opens (/handoffs/: inbox_page of 26 + inbox_counts), p50 and p95 over
  --inbox-requests calls spread over the departments' leads.

    .venv/bin/python bench/relations_bench.py [--db sqlite|postgresql|both] [--n 1000000]
        [--departments 30] [--open 100000] [--reps 5] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import bulk_insert, each_database  # noqa: E402  (bench/_common.py, beside this script)

os.environ.setdefault("RELQ_CONFIG", "test")

BATCH = 20_000
WEEKS = 52
NAMES = [
    "お客様相談室", "品質保証部", "物流部", "営業部", "経理部", "情報システム部", "人事部",
    "経営企画室", "製造部", "購買部", "法務部", "広報部", "商品企画部", "研究開発部",
    "店舗運営部", "EC事業部", "カスタマーサクセス部", "総務部", "設備管理部", "品質管理課",
    "海外事業部", "マーケティング部", "生産管理部", "安全衛生室", "内部監査室", "知財部",
    "物流センター東日本", "物流センター西日本", "コールセンター大阪", "会員サービス部",
]  # fmt: skip


def _app(url: str):
    import config as settings
    from relq import create_app

    class Config(settings.TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Config)


def seed(n: int, n_departments: int, n_open: int, now, rng: random.Random) -> dict:
    from tqdm import tqdm

    from relq.db import db, refresh_planner_statistics, transaction
    from relq.handoffs.models import Handoff
    from relq.org.services import DepartmentInput, UserInput, create_department, create_user

    with transaction():
        departments = [
            create_department(
                DepartmentInput(f"d{i:02d}", NAMES[i], f"Department {i}", i == 0), actor=None
            )
            for i in range(n_departments)
        ]
        leads = [
            create_user(
                UserInput(f"lead{i}@bench.jp", f"lead {i}", "lead", d.id, "ja", "bench-password"),
                actor=None,
            )
            for i, d in enumerate(departments)
        ]
        executive = create_user(
            UserInput(
                "exec@bench.jp", "exec", "executive", departments[0].id, "ja", "bench-password"
            ),
            actor=None,
        )
        ids = [d.id for d in departments]
        lead_of = {d.id: lead.id for d, lead in zip(departments, leads, strict=True)}
        made = {"departments": ids, "leads": [u.id for u in leads], "executive": executive.id}
    # No read transaction may stay open while the rows go in: on SQLite it would keep the WAL
    # from being checkpointed (gigabytes of it, and every read slower).
    db.session.remove()
    # Skewed pairs: a few edges carry most of the traffic, as in a real company.
    pairs = [(a, b) for a in ids for b in ids if a != b]
    weights = [1 / (k + 1) ** 0.8 for k in range(len(pairs))]
    rng.shuffle(pairs)
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    span = timedelta(weeks=WEEKS).total_seconds()
    recent = timedelta(weeks=3).total_seconds()
    table = Handoff.__table__
    rows: list[dict] = []
    with tqdm(total=n, desc="handoffs", unit="row", unit_scale=True) as bar:
        for i in range(n):
            a, b = pairs[_pick(cumulative, rng.random() * total)]
            is_open = i < n_open
            ago = rng.random() * (recent if is_open else span)
            requested = now - timedelta(seconds=ago)
            due = requested + timedelta(days=2)
            row = {
                "case_id": None,
                "requester_department_id": a,
                "provider_department_id": b,
                "requested_by_id": lead_of[a],
                "provider_user_id": None,
                "ask": "ベンチマークの依頼",
                "why": "",
                "requested_at": requested,
                "due_at": due,
                "accepted_at": None,
                "first_answered_at": None,
                "answered_at": None,
                "closed_at": None,
                "overdue_at": None,
                "stalled_at": None,
                "bounces": 0,
                "accept_minutes": None,
                "turnaround_minutes": None,
                "answered_late": None,
                "usefulness": None,
                "speed": None,
                "rating_comment": "",
                "thanks": "",
                "updated_at": requested,
                "version": 1,
            }
            accept = int(rng.expovariate(1 / 180))
            turnaround = accept + int(rng.expovariate(1 / 700))
            if is_open:
                status = rng.choice(("requested", "accepted", "answered"))
                row["status"] = status
                if status != "requested":
                    row["accepted_at"] = requested + timedelta(minutes=accept)
                    row["accept_minutes"] = accept
                if status == "answered":
                    row["answered_at"] = row["first_answered_at"] = requested + timedelta(
                        minutes=turnaround
                    )
                elif due < now:
                    row["overdue_at"] = due
            else:
                roll = rng.random()
                if roll < 0.04:
                    row["status"], row["closed_at"] = "declined", requested + timedelta(hours=3)
                elif roll < 0.07:
                    row["status"], row["closed_at"] = "cancelled", requested + timedelta(hours=5)
                else:
                    answered = requested + timedelta(minutes=turnaround)
                    row |= {
                        "status": "confirmed",
                        "accepted_at": requested + timedelta(minutes=accept),
                        "accept_minutes": accept,
                        "first_answered_at": answered,
                        "answered_at": answered,
                        "closed_at": answered + timedelta(hours=1),
                        "turnaround_minutes": turnaround,
                        "answered_late": turnaround > 1080,
                        "bounces": 1 if rng.random() < 0.12 else 0,
                        "usefulness": rng.randint(1, 5),
                        "speed": rng.randint(1, 5),
                        "thanks": "ありがとう" if rng.random() < 0.1 else "",
                    }
            rows.append(row)
            if len(rows) == BATCH:
                bulk_insert(table.name, rows)
                bar.update(len(rows))
                rows = []
        if rows:
            bulk_insert(table.name, rows)
            bar.update(len(rows))
    if db.engine.dialect.name == "sqlite":
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE handoffs"
            )
    refresh_planner_statistics()
    return made


def _pick(cumulative: list[float], x: float) -> int:
    from bisect import bisect_left

    return min(bisect_left(cumulative, x), len(cumulative) - 1)


def _timed(function, reps: int) -> tuple[float, float]:
    from relq.cache import forget_all
    from relq.db import db

    times = []
    for _ in range(reps):
        forget_all()
        db.session.rollback()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def run(url: str, args) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from relq.db import db, utcnow
    from relq.handoffs.models import OPEN_STATUSES, Handoff
    from relq.handoffs.services import inbox_counts, inbox_page
    from relq.org.models import Department, User
    from relq.relations.scorecard import scorecard
    from relq.relations.services import Period, default_period, relationship_map

    app = _app(url)
    results: dict = {}
    with app.app_context():
        upgrade()
        now = utcnow()
        start = time.perf_counter()
        made = seed(args.n, args.departments, args.open, now, random.Random(15))
        results["seed_s"] = time.perf_counter() - start
        db.session.rollback()
        results["open"] = db.session.scalar(
            select(func.count()).select_from(Handoff).where(Handoff.status.in_(OPEN_STATUSES))
        )
        period = default_period(now)
        year = Period.of(period.end_monday - timedelta(weeks=WEEKS), WEEKS)
        edges = len(relationship_map(period).edges)
        results["map_edges"] = edges
        results["map_4w"] = _timed(lambda: relationship_map(period), args.reps)
        results["map_52w"] = _timed(lambda: relationship_map(year), args.reps)
        relationship_map(period)
        start = time.perf_counter()
        relationship_map(period)
        results["map_cached_ms"] = (time.perf_counter() - start) * 1000
        executive = db.session.get(User, made["executive"])
        busiest = db.session.scalar(
            select(Handoff.provider_department_id)
            .group_by(Handoff.provider_department_id)
            .order_by(func.count().desc())
            .limit(1)
        )
        department = db.session.get(Department, busiest)
        results["scorecard"] = _timed(lambda: scorecard(executive, department, now=now), args.reps)
        leads = [db.session.get(User, i) for i in made["leads"]]
        # Detached, with their departments, as the app's logged-in user is (relq/auth's
        # load_login_user): attached, each rollback expired them and every call reloaded
        # the lead, a cost no request pays.
        for lead in leads:
            _ = lead.department
        db.session.expunge_all()
        rng = random.Random(7)
        samples = []
        for k in range(args.inbox_requests):
            lead = leads[rng.randrange(len(leads))] if k else leads[0]
            db.session.rollback()
            begin = time.perf_counter()
            inbox_page(lead, "incoming", limit=26)
            inbox_counts(lead, now)
            samples.append((time.perf_counter() - begin) * 1000)
        samples.sort()
        results["inbox_p50_ms"] = samples[len(samples) // 2]
        results["inbox_p95_ms"] = samples[int(len(samples) * 0.95) - 1]
        db.session.remove()
        db.engine.dispose()
    return results


def _report(name: str, r: dict, args) -> None:
    print(f"\n== {name}: {args.n:,} handoffs, {args.departments} departments, {r['open']:,} open")
    print(f"seeded in {r['seed_s']:.0f} s; map of the default period: {r['map_edges']} edges")
    print(f"map, last 4 complete weeks: median {r['map_4w'][0]:.3f} s (max {r['map_4w'][1]:.3f})")
    print(f"map, 52 weeks (every row):  median {r['map_52w'][0]:.3f} s (max {r['map_52w'][1]:.3f})")
    print(f"map from the cache:         {r['map_cached_ms']:.2f} ms")
    card, p50, p95 = r["scorecard"], r["inbox_p50_ms"], r["inbox_p95_ms"]
    print(f"scorecard (8 weeks):        median {card[0]:.3f} s (max {card[1]:.3f})")
    print(f"inbox (page + counts):      p50 {p50:.1f} ms, p95 {p95:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--departments", type=int, default=30, choices=range(8, 31))
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--inbox-requests", type=int, default=300)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    for label, url in each_database(args.db, pg=args.pg, prefix="relq_relations_bench"):
        _report(label, run(url, args), args)


if __name__ == "__main__":
    main()
