"""CSAT results at 100,000 surveys (issue 18's target: the results page < 200 ms on SQLite and
PostgreSQL).

For each database (SQLite in a temporary directory; PostgreSQL in a fresh database on
127.0.0.1:5432 that this script creates and drops), migrated with flask-migrate's `upgrade()`:
D departments (default 8, the first the customer-contact one) with a lead each, an operator and
an executive through the org services; N closed cases (default 100,000) over 52 weeks, each
with one survey (bulk-inserted with core INSERTs / COPY): about 85 % sent, two in three of those
answered, the rest waiting or cancelled. Then times, medians of --reps runs on a fresh session:
- `results.page` (the figures and the newest comments) for an executive (every case) and for a
  department's lead (the case door joins the cases), over 12 and 52 weeks;
- the whole page, GET /csat/ through the app (login, template, chart), same viewers;
- `results.satisfaction` over a quarter (the management review's call).

    .venv/bin/python bench/csat_bench.py [--db sqlite|postgresql|both] [--n 100000]
        [--departments 8] [--reps 7] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import bulk_insert, each_database  # noqa: E402  (bench/_common.py, beside this script)

os.environ.setdefault("RELQ_CONFIG", "test")

BATCH = 20_000
PASSWORD = "bench-password-1"  # noqa: S105  (the benchmark's throwaway users)
CHANNELS = ("phone", "email", "web", "letter", "visit", "social")
CHANNEL_WEIGHTS = (45, 20, 20, 3, 3, 9)
GOAL_MS = 200


def _app(url: str):
    import config as settings
    from relq import create_app

    class Config(settings.TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Config)


def seed(args, rng: random.Random) -> dict:
    from tqdm import tqdm

    from relq.cases.models import Case
    from relq.csat.models import CsatSurvey
    from relq.csat.results import monday_of
    from relq.db import db, refresh_planner_statistics, transaction
    from relq.org.services import DepartmentInput, UserInput, create_department, create_user

    with transaction():
        departments = [
            create_department(
                DepartmentInput(f"d{i}", f"部署{i}", f"Department {i}", i == 0), actor=None
            )
            for i in range(args.departments)
        ]
        users = {
            "operator": create_user(
                UserInput(
                    "op@bench.jp", "オペレーター", "operator", departments[0].id, "ja", PASSWORD
                ),
                actor=None,
            ),
            "executive": create_user(
                UserInput("ex@bench.jp", "役員", "executive", departments[1].id, "ja", PASSWORD),
                actor=None,
            ),
        }
        for d in departments:
            lead = create_user(
                UserInput(f"lead{d.id}@bench.jp", f"部長{d.id}", "lead", d.id, "ja", PASSWORD),
                actor=None,
            )
            users.setdefault("lead", lead)  # the lead of the customer-contact department
            if d.id == departments[1].id:
                users["lead_department"] = lead
        ids = {k: u.id for k, u in users.items()}
        department_ids = [d.id for d in departments]
        intake_id = departments[0].id
    now = datetime.now(UTC)
    bar = tqdm(total=args.n, desc="cases + surveys", unit="case")
    cases, surveys = [], []
    weights = [1 + (i * 7) % 5 for i in range(len(department_ids))]
    start_id = 1

    def flush() -> None:
        if cases:
            bulk_insert(Case.__tablename__, cases)
            bulk_insert(CsatSurvey.__tablename__, surveys)
            bar.update(len(cases))
            cases.clear()
            surveys.clear()

    for n in range(args.n):
        case_id = start_id + n
        closed_at = now - timedelta(minutes=rng.randrange(2, 52 * 7 * 24 * 60))
        department_id = rng.choices(department_ids[1:], weights=weights[1:])[0]
        channel = rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0]
        cases.append(
            {
                "id": case_id,
                "intake_token": secrets.token_urlsafe(18),
                "kind": "complaint",
                "channel": channel,
                "received_at": closed_at - timedelta(days=3),
                "product": "",
                "subject": "配送が遅れている",
                "customer_words": "注文した商品がまだ届きません。",
                "remedy_requested": "",
                "severity": 3,
                "status": "closed",
                "intake_department_id": intake_id,
                "responsible_department_id": department_id,
                "created_by_id": ids["operator"],
                "created_at": closed_at - timedelta(days=3),
                "updated_at": closed_at,
                "version": 5,
            }
        )
        roll = rng.random()
        sent_at = closed_at + timedelta(hours=24)
        state = "pending" if sent_at > now else "cancelled" if roll < 0.05 else "sent"
        if state == "sent" and rng.random() < 0.66:
            state = "answered"
        score = rng.choices((1, 2, 3, 4, 5), weights=(6, 9, 20, 38, 27))[0]
        is_sent = state in ("sent", "answered")
        surveys.append(
            {
                "case_id": case_id,
                "department_id": department_id,
                "channel": channel,
                "language": "ja",
                "state": state,
                "closed_at": closed_at,
                "due_at": sent_at,
                "attempts": 1 if is_sent else 0,
                "token_digest": hashlib.sha256(secrets.token_bytes(16)).hexdigest()
                if is_sent
                else None,
                "sent_at": sent_at if is_sent else None,
                "week_start": monday_of(sent_at) if is_sent else None,
                "expires_at": sent_at + timedelta(days=14) if is_sent else None,
                "answered_at": sent_at + timedelta(hours=5) if state == "answered" else None,
                "score": score if state == "answered" else None,
                "comment": "丁寧な対応でした。" if state == "answered" and n % 9 == 0 else "",
                "created_at": closed_at,
            }
        )
        if len(cases) >= BATCH:
            flush()
    flush()
    bar.close()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"
            )
            connection.commit()
        # What autovacuum does to a table that has grown: statistics, and the visibility map
        # that lets the results be read from their index alone (else every row is fetched).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE cases")
            connection.exec_driver_sql("VACUUM ANALYZE csat_surveys")
    refresh_planner_statistics(force=True)
    return ids


def _timed(function, reps: int) -> tuple[float, float]:
    from relq.db import db

    times = []
    function()  # warm: the first call builds the statements and draws the chart
    for _ in range(reps):
        db.session.remove()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


VIEWERS = ("executive", "lead_department")


def _timed_plain(function, reps: int) -> tuple[float, float]:
    times = []
    function()
    for _ in range(reps):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def run(url: str, args) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from relq.csat import results
    from relq.csat.models import CsatSurvey
    from relq.db import db
    from relq.org.models import User

    app = _app(url)
    out: dict = {}
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        ids = seed(args, random.Random(18))
        out["seed_s"] = time.perf_counter() - start
        db.session.remove()
        out["surveys"] = db.session.scalar(select(func.count()).select_from(CsatSurvey))
        out["answered"] = db.session.scalar(
            select(func.count()).select_from(CsatSurvey).where(CsatSurvey.state == "answered")
        )
        now = datetime.now(UTC)
        last = results.monday_of(now)

        def page(key, weeks):
            user = db.session.get(User, ids[key])
            return results.page(user, last - timedelta(weeks=weeks - 1), last)

        for key in ("executive", "lead_department"):
            for weeks in (12, 52):
                out[f"page_{key}_{weeks}"] = _timed(lambda k=key, w=weeks: page(k, w), args.reps)
        out["satisfaction_quarter"] = _timed(
            lambda: results.satisfaction(now - timedelta(days=91), now), args.reps
        )
        emails = {key: db.session.get(User, ids[key]).email for key in VIEWERS}
        db.session.remove()
    # Outside the app context: each request pushes its own, as in production.
    for key in VIEWERS:
        client = app.test_client()
        login = client.get("/login")
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login.get_data(as_text=True))
        assert found, (login.status_code, login.get_data(as_text=True)[:300])
        response = client.post(
            "/login",
            data={"email": emails[key], "password": PASSWORD, "csrf_token": found.group(1)},
        )
        assert response.status_code == 302, (emails[key], response.status_code)
        for weeks in (12, 52):

            def get(weeks=weeks, client=client):
                response = client.get(f"/csat/?weeks={weeks}")
                assert response.status_code == 200, response.status_code

            out[f"http_{key}_{weeks}"] = _timed_plain(get, args.reps)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return out


def _report(name: str, r: dict, args) -> None:
    load = os.getloadavg()
    print(
        f"\n== {name}: {r['surveys']:,} surveys ({r['answered']:,} answered), "
        f"{args.departments} departments; seeded in {r['seed_s']:.0f} s; "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    print(f"{'what':<58} {'median':>9} {'max':>9}  goal {GOAL_MS} ms")
    for key, label in (
        ("page_executive_12", "results.page, executive, 12 weeks"),
        ("page_executive_52", "results.page, executive, 52 weeks"),
        ("page_lead_department_12", "results.page, a department's lead, 12 weeks"),
        ("page_lead_department_52", "results.page, a department's lead, 52 weeks"),
        ("http_executive_12", "GET /csat/, executive, 12 weeks"),
        ("http_executive_52", "GET /csat/, executive, 52 weeks"),
        ("http_lead_department_12", "GET /csat/, a department's lead, 12 weeks"),
        ("http_lead_department_52", "GET /csat/, a department's lead, 52 weeks"),
        ("satisfaction_quarter", "results.satisfaction over a quarter (management review)"),
    ):
        median, worst = r[key]
        mark = "ok" if median * 1000 < GOAL_MS else "OVER"
        print(f"{label:<58} {median * 1000:6.1f} ms {worst * 1000:6.1f} ms  {mark}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--departments", type=int, default=8)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    for label, url in each_database(args.db, pg=args.pg, prefix="relq_csat_bench"):
        _report(label, run(url, args), args)


if __name__ == "__main__":
    main()
