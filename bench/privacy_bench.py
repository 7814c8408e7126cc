"""Personal data (APPI): the retention job over many old cases, and the case page's cost with
and without the personal-data read log.

    .venv/bin/python bench/privacy_bench.py [--n 100000] [--batch 500] [--requests 300]
    .venv/bin/python bench/privacy_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/x

A fresh database (a temporary SQLite file, or a database `relq_privacy_bench` created on the
PostgreSQL server named by --db and dropped afterwards) is migrated and filled with Core
executemany: --n cases closed three years ago, each with a customer (name, e-mail, phone), one
note, its analysis (search words; the FTS5 row on SQLite) and its 'case.created' audit event
holding its words. Then:

* retention: `relq.privacy.retention.run_retention` (the clock's step, --batch cases and
  customers a transaction, until nothing is left): cases/s and customers/s, wall time;
* case page: GET /cases/<id> of a case with a customer (its personal data shown, so one read
  is logged per request) through Flask's test client as an operator; median and p95 of
  --requests requests with the log, and with `note_read` replaced by a no-op (the bench's
  switch, not the product's) — the log's own cost is the difference.

Prints a table and one JSON line, with the load average beside the numbers (the box is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RELQ_CONFIG", "production")
os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 40)
os.environ.setdefault("RELQ_ANALYSIS_QUEUE", "off")
os.environ.setdefault("RELQ_MAIL_QUEUE", "off")

PASSWORD = "bench-pass-123"  # noqa: S105 (the benchmark's throwaway user)
WORDS = ("冷蔵庫", "洗濯機", "炊飯器", "掃除機", "電子レンジ", "エアコン", "ドライヤー", "照明")


def _database(option: str):
    """(URL, cleanup) for a fresh database."""
    if option == "sqlite":
        folder = tempfile.mkdtemp(prefix="privacy-bench-")
        return f"sqlite:///{folder}/relq.db", lambda: None
    import psycopg

    admin = re.sub(r"/[^/]*$", "/postgres", option).replace(
        "postgresql+psycopg://", "postgresql://"
    )
    name = "relq_privacy_bench"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return re.sub(r"/[^/]*$", f"/{name}", option), drop


def _app(url: str):
    import config as settings
    from relq import create_app

    class Config(settings.ProductionConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Config)


def _seed(n: int, progress) -> dict:
    from sqlalchemy import insert, text

    from relq.analysis.models import CaseAnalysis
    from relq.audit.models import AuditEvent
    from relq.cases.models import Case, Customer, Note
    from relq.db import db, transaction
    from relq.org.services import DepartmentInput, UserInput, create_department, create_user

    with transaction():
        contact = create_department(
            DepartmentInput("cs", "お客様相談室", "Customer care", True), actor=None
        )
        qa = create_department(DepartmentInput("qa", "品質保証部", "QA", False), actor=None)
        operator = create_user(
            UserInput("bench@example.com", "Bench", "operator", contact.id, "ja", PASSWORD),
            actor=None,
        )
        create_user(
            UserInput("officer@example.com", "Officer", "admin", contact.id, "ja", PASSWORD),
            actor=None,
        )
    long_ago = datetime.now(UTC) - timedelta(days=3 * 365 + 30)
    step = 5000
    for start in range(0, n, step):
        ids = range(start + 1, min(n, start + step) + 1)
        customers, cases, notes, analyses, events = [], [], [], [], []
        for i in ids:
            word = WORDS[i % len(WORDS)]
            words = f"{word}から異音がします。お客様番号{i}の山田です。"
            at = long_ago - timedelta(minutes=i)
            customers.append(
                {
                    "id": i,
                    "name": f"山田 太郎{i}",
                    "email": f"taro{i}@example.jp",
                    "phone": f"090{i:08d}",
                    "created_at": at,
                }
            )
            cases.append(
                {
                    "id": i,
                    "intake_token": secrets.token_hex(16),
                    "kind": "complaint",
                    "channel": "phone",
                    "received_at": at,
                    "product": word,
                    "subject": f"{word}の異音",
                    "customer_words": words,
                    "remedy_requested": "交換してほしい",
                    "severity": 3,
                    "status": "closed",
                    "intake_department_id": contact.id,
                    "responsible_department_id": qa.id,
                    "created_by_id": operator.id,
                    "customer_id": i,
                    "created_at": at,
                    "updated_at": at,
                    "version": 5,
                }
            )
            notes.append(
                {
                    "case_id": i,
                    "kind": "internal",
                    "body": f"山田様に{word}の件で連絡済み",
                    "author_id": operator.id,
                    "created_at": at,
                }
            )
            analyses.append(
                {
                    "case_id": i,
                    "state": "done",
                    "language": "ja",
                    "lemmas": f"{word} 異音",
                    "keyphrases": [word],
                    "observation_keyphrases": [],
                    "search_text": f"{word} 異音 山田",
                    "attempts": 1,
                    "requested_at": at,
                    "analysed_at": at,
                }
            )
            events.append(
                {
                    "at": at,
                    "actor_id": operator.id,
                    "action": "case.created",
                    "entity_type": "case",
                    "entity_id": i,
                    "case_id": i,
                    "before": None,
                    "after": {
                        "subject": f"{word}の異音",
                        "customer_words": words,
                        "kind": "complaint",
                    },
                }
            )
        with transaction():
            db.session.execute(insert(Customer.__table__), customers)
            db.session.execute(insert(Case.__table__), cases)
            db.session.execute(insert(Note.__table__), notes)
            db.session.execute(insert(CaseAnalysis.__table__), analyses)
            db.session.execute(insert(AuditEvent.__table__), events)
            if db.engine.dialect.name == "sqlite":
                db.session.execute(
                    text("INSERT INTO case_search (rowid, words) VALUES (:case_id, :search_text)"),
                    analyses,
                )
        progress(len(ids))
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence(t, 'id'), (SELECT max(id) FROM cases)) "
                "FROM (VALUES ('cases'), ('customers')) AS s(t)"
            )
            conn.commit()
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    else:
        from relq.db import refresh_planner_statistics

        refresh_planner_statistics(force=True)
    return {"operator": operator.id}


def _client(app):
    client = app.test_client()
    form = client.get("/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    response = client.post(
        "/login", data={"email": "bench@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    return client


def _page_times(client, case_id: int, requests: int, *, logged: bool) -> list[float]:
    from relq.privacy import reads

    original = reads.note_read
    if not logged:
        reads.note_read = lambda *_a, **_k: None
    try:
        url = f"/cases/{case_id}"
        for _ in range(20):
            client.get(url)
        times = []
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        return times
    finally:
        reads.note_read = original


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", help="sqlite, or a PostgreSQL server URL")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    from flask_migrate import upgrade
    from sqlalchemy import func, select
    from tqdm import tqdm

    from relq.cases.models import Case
    from relq.db import db, transaction
    from relq.org.models import User
    from relq.privacy.models import PersonalDataRead
    from relq.privacy.policy import current_policy
    from relq.privacy.retention import run_retention
    from relq.privacy.services import PolicyInput, save_policy

    url, cleanup = _database(args.db)
    os.environ["DATABASE_URL"] = url
    try:
        app = _app(url)
        with app.app_context():
            upgrade()
            with tqdm(total=args.n, desc="seed", unit="case") as bar:
                _seed(args.n, bar.update)
            with transaction():  # the defaults, saved: nothing is erased before that
                saved = current_policy()
                save_policy(
                    db.session.scalar(select(User).where(User.email == "officer@example.com")),
                    PolicyInput(saved.purpose_ja, saved.purpose_en, 1095, 1095, 365),
                )
            load_before = os.getloadavg()[0]
            with tqdm(total=2 * args.n, desc="retention", unit="row") as bar:
                start = time.perf_counter()
                run = run_retention(limit=args.batch, progress=bar.update)
                seconds = time.perf_counter() - start
            assert run.cases == args.n and run.customers == args.n, run
            left = db.session.scalar(
                select(func.count()).where(Case.customer_words.contains("山田"))
            )
            assert left == 0, left
            # A fresh case of today with a customer, for the page.
            from relq.cases.services import CaseInput, CustomerInput, create_case

            with transaction():
                operator = db.session.scalar(select(User).where(User.email == "bench@example.com"))
                page_case = create_case(
                    operator,
                    CaseInput(
                        intake_token=secrets.token_hex(16),
                        kind="complaint",
                        channel="phone",
                        received_at=datetime.now(UTC),
                        subject="冷蔵庫の異音",
                        customer_words="冷蔵庫から異音がします。",
                        customer=CustomerInput(name="佐藤 花子", email="hanako@example.jp"),
                    ),
                )
            case_id = page_case.id
            db.session.remove()
        # Outside the app context: each request has its own, and its own session, as served.
        client = _client(app)
        # Alternating rounds, so that a change of the box's load touches both alike.
        without, with_log = [], []
        for _ in range(3):
            without += _page_times(client, case_id, args.requests // 3, logged=False)
            with_log += _page_times(client, case_id, args.requests // 3, logged=True)
        load_after = os.getloadavg()[0]
        with app.app_context():
            logged_rows = db.session.scalar(select(func.count()).select_from(PersonalDataRead))
            db.session.remove()
            db.engine.dispose()
    finally:
        cleanup()
    result = {
        "db": "postgresql" if args.db != "sqlite" else "sqlite",
        "n": args.n,
        "batch": args.batch,
        "retention_seconds": round(seconds, 1),
        "cases_per_s": round(run.cases / seconds),
        "customers_per_s": round(run.customers / seconds),
        "page_ms_without_log": {
            "median": round(statistics.median(without), 2),
            "p95": round(_p95(without), 2),
        },
        "page_ms_with_log": {
            "median": round(statistics.median(with_log), 2),
            "p95": round(_p95(with_log), 2),
        },
        "reads_logged": logged_rows,
        "load": [round(load_before, 1), round(load_after, 1)],
    }
    print()
    print(f"{'database':<12}{result['db']}")
    print(f"{'cases':<12}{args.n:,} closed 3 years ago, batch {args.batch}")
    print(
        f"{'retention':<12}{seconds:.1f} s: {result['cases_per_s']:,} cases/s "
        f"(and as many customers)"
    )
    print(
        f"{'case page':<12}without the read log: median "
        f"{result['page_ms_without_log']['median']} ms, "
        f"p95 {result['page_ms_without_log']['p95']} ms"
    )
    print(
        f"{'':<12}with the read log:    median "
        f"{result['page_ms_with_log']['median']} ms, p95 {result['page_ms_with_log']['p95']} ms "
        f"({logged_rows} reads logged)"
    )
    print(
        f"{'load':<12}{load_before:.1f} before, {load_after:.1f} after (1-minute average, 2 cores)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
