"""The weekly digest over a large history (issue 17's target: a 10k-case week inside 1M cases
builds in < 5 s on PostgreSQL and SQLite, and the archived page opens in < 100 ms).

Seeds a fresh database (migrated, the demo's organisation) with --n cases: --week cases in the
last complete ISO week (Asia/Tokyo), the rest spread over the 104 weeks before it (so the same
week a year before exists), straight to the driver (COPY on PostgreSQL, executemany on SQLite):
this measures the digest's reading, not intake. Beside them, as the digest reads them: the
analyses (key phrases from a small vocabulary) of the last three weeks' cases, front-line
observations on 5 % of the week's cases, an acknowledgement and a resolution clock per case of
the week, "not acting" answers on 2 %, a few hundred escalations, compliments. (No handoffs:
the relationship map's cost at 1M handoffs is bench/relations_bench.py's.)

Then times, as the clock and a reader would:
- build: relq.digest.services.compute (every section and the summary; nothing stored), the
  company's and one department's, median of --reps, each with the NER's cache of texts
  emptied (a new week's quotes); a department's right after the company's (the clock's
  order: most quotes already read); then one real build (stored);
- the archived page: GET /digest/<week> as an executive through the Flask test client
  (rendering the snapshot and its charts), median of 20 after one warm-up.

    .venv/bin/python bench/digest_bench.py --n 100000 --week 10000 [--db sqlite:///tmp/d.db]
    .venv/bin/python bench/digest_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/x
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import bulk_insert  # noqa: E402  (bench/_common.py, beside this script)

KINDS = ["inquiry"] * 5 + ["complaint"] * 3 + ["request"] + ["compliment"]
CHANNELS = ["phone"] * 5 + ["email"] * 3 + ["web"] * 2 + ["letter", "social"]
PRODUCTS = [f"電気ケトル KT-{n}" for n in (100, 200, 300)] + [
    "冷凍パスタ ボロネーゼ",
    "冷凍パスタ カルボナーラ",
    "ドラム式洗濯機 WD-9",
    "オンラインストア",
    "",
]
PHRASES = ["蓋", "割れ", "配送", "遅延", "異臭", "返品", "電源", "水漏れ", "請求", "ポイント"]
WORDS = "注文した商品について、山田様より 090-1234-5678 に折り返しの依頼。注文番号 12345678。"


def _app(url: str):
    import config as settings
    from relq import create_app

    class Config(settings.TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        ANALYSIS_QUEUE = "off"

    return create_app(Config)


def _fresh(url: str) -> str:
    """An empty database at `url` (PostgreSQL: dropped and created)."""
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return url
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url


def seed(n: int, week_cases: int, rng: random.Random) -> dict:
    from flask_migrate import upgrade

    from relq.analysis.models import CaseAnalysis
    from relq.answers.models import DepartmentAnswer
    from relq.cases.models import Case, Note
    from relq.db import db, transaction, utcnow
    from relq.deadlines.models import CaseDeadline
    from relq.demo.loader import load_demo_organisation
    from relq.digest.week import IsoWeek
    from relq.escalations.models import Escalation

    upgrade()
    with transaction():
        departments, users = load_demo_organisation("bench-password-1")
    contact = next(d.id for d in departments.values() if d.is_customer_contact)
    others = [d.id for d in departments.values() if not d.is_customer_contact]
    operator = next(u.id for u in users if u.role == "operator")
    lead = next(u.id for u in users if u.role == "lead")
    week = IsoWeek.last_complete(utcnow())
    start, end = week.bounds()
    history_start = week.previous(104).bounds()[0]
    started = time.perf_counter()
    next_id, batch = 1, 50_000
    while next_id <= n:
        rows, analyses, notes, clocks, answers = [], [], [], [], []
        for case_id in range(next_id, min(next_id + batch, n + 1)):
            in_week = case_id > n - week_cases
            if in_week:
                at = start + (end - start) * rng.random()
            else:
                at = history_start + (start - history_start) * rng.random()
            department = rng.choice(others)
            rows.append(
                {
                    "id": case_id,
                    "intake_token": f"b{case_id}",
                    "kind": rng.choice(KINDS),
                    "channel": rng.choice(CHANNELS),
                    "received_at": at,
                    "product": rng.choice(PRODUCTS),
                    "subject": "商品について",
                    "customer_words": WORDS,
                    "remedy_requested": "",
                    "severity": 3,
                    "status": "resolved",
                    "intake_department_id": contact,
                    "responsible_department_id": department,
                    "created_by_id": operator,
                    "created_at": at,
                    "updated_at": at,
                    "version": 1,
                }
            )
            if at >= start - timedelta(weeks=2):
                analyses.append(
                    {
                        "case_id": case_id,
                        "state": "done",
                        "language": "ja",
                        "lemmas": "",
                        "keyphrases": json.dumps(rng.sample(PHRASES, 2), ensure_ascii=False),
                        "observation_keyphrases": "[]",
                        "search_text": "",
                        "attempts": 1,
                        "requested_at": at,
                        "analysed_at": at,
                    }
                )
            if in_week:
                if rng.random() < 0.05:
                    notes.append(
                        {
                            "case_id": case_id,
                            "kind": "observation",
                            "body": "同じ症状の問い合わせが続いている。鈴木様より再入電。",
                            "author_id": operator,
                            "created_at": at + timedelta(hours=1),
                        }
                    )
                for kind, hours in (("acknowledge", 8), ("resolution", 40)):
                    due = at + timedelta(hours=hours)
                    met = at + timedelta(hours=hours * rng.uniform(0.3, 1.4))
                    clocks.append(
                        {
                            "case_id": case_id,
                            "kind": kind,
                            "department_id": department,
                            "started_at": at,
                            "allowed_minutes": hours * 60,
                            "due_at": due,
                            "warn_at": due - timedelta(hours=1),
                            "met_at": met if met < end else None,
                        }
                    )
                if rng.random() < 0.02:
                    answers.append(
                        {
                            "case_id": case_id,
                            "department_id": department,
                            "answer": "declined",
                            "body": "仕様どおりのため対応しません。",
                            "answered_by_id": lead,
                            "answered_at": at + timedelta(hours=3),
                        }
                    )
        bulk_insert(Case.__tablename__, rows)
        bulk_insert(CaseAnalysis.__tablename__, analyses)
        bulk_insert(Note.__tablename__, notes)
        bulk_insert(CaseDeadline.__tablename__, clocks)
        bulk_insert(DepartmentAnswer.__tablename__, answers)
        next_id += batch
        sys.stderr.write(f"\rseeded {min(next_id - 1, n):,}/{n:,} cases")
    sys.stderr.write("\n")
    escalations = [
        {
            "case_id": n - i,
            "reason": "resolution_missed",
            "level": 2,
            "department_id": rng.choice(others),
            "detail": "",
            "opened_at": start + timedelta(hours=i % 160),
            "closed_at": start + timedelta(hours=i % 160 + 5) if i % 3 == 0 else None,
            "outcome": "action_ordered" if i % 3 == 0 else None,
            "decision": "部長から説明すること" if i % 3 == 0 else "",
        }
        for i in range(300)
    ]
    bulk_insert(Escalation.__tablename__, escalations)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))")
            conn.exec_driver_sql("ANALYZE")
    else:
        db.engine.dispose()
        from relq.db import refresh_planner_statistics

        refresh_planner_statistics(force=True)
    return {"seed_seconds": round(time.perf_counter() - started, 1), "week": str(week)}


def _median(function, reps: int) -> tuple[float, float]:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        function()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times)


def measure(app, week_text: str, reps: int) -> dict:
    from sqlalchemy import select

    from relq.db import db, transaction
    from relq.digest import services
    from relq.digest.week import IsoWeek
    from relq.org.models import Department, User

    week = IsoWeek.parse(week_text)
    found: dict = {}
    department = db.session.scalar(select(Department.id).where(Department.code == "qa"))
    from relq.digest import scrub

    services.compute(week, None)  # loads GiNZA and the fonts once, as a worker would have
    db.session.rollback()

    def cold(department_id):
        # Texts the NER has not read yet, as in a new week's build.
        scrub._entity_cache.clear()
        services.compute(week, department_id)
        db.session.rollback()

    found["build_company_s"], found["build_company_max_s"] = _median(lambda: cold(None), reps)
    found["build_department_s"], _ = _median(lambda: cold(department), reps)
    # The department digests the clock builds right after the company's: their quotes are
    # mostly the company's, already read by the NER.
    found["build_department_after_company_s"], _ = _median(
        lambda: (services.compute(week, department), db.session.rollback()), reps
    )
    t0 = time.perf_counter()
    with transaction():
        snapshot = services.build(week, None)
        found["cases_in_week"] = snapshot.data["sections"]["cases"]["volume"]["total"]
    found["build_and_store_s"] = time.perf_counter() - t0
    executive = db.session.scalar(select(User).where(User.role == "executive"))
    client = app.test_client()
    with client.session_transaction():
        pass
    response = client.post(
        "/login",
        data={"email": executive.email, "password": "bench-password-1"},
    )
    if response.status_code != 302:  # CSRF is on in this config: log in as the tests do
        app.config["WTF_CSRF_ENABLED"] = False
        response = client.post(
            "/login", data={"email": executive.email, "password": "bench-password-1"}
        )
    assert response.status_code == 302, response.status_code
    url = f"/digest/{week}"
    first = client.get(url)
    assert first.status_code == 200 and b"digest-archived" in first.data
    found["page_s"], found["page_max_s"] = _median(lambda: client.get(url), 20)
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--week", type=int, default=10_000)
    parser.add_argument("--db", default="sqlite:////tmp/relq-digest-bench.db")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--json", help="append the result line to this file")
    parser.add_argument(
        "--reuse", action="store_true", help="measure a database seeded by an earlier run"
    )
    args = parser.parse_args()
    url = args.db if args.reuse else _fresh(args.db)
    app = _app(url)
    with app.app_context():
        if args.reuse:
            from sqlalchemy import delete

            from relq.db import db, transaction, utcnow
            from relq.digest.models import DigestSnapshot
            from relq.digest.week import IsoWeek

            with transaction():
                db.session.execute(delete(DigestSnapshot))
            seeded = {"seed_seconds": None, "week": str(IsoWeek.last_complete(utcnow()))}
        else:
            seeded = seed(args.n, args.week, random.Random(17))
        result = {
            "bench": "digest",
            "db": app.extensions["sqlalchemy"].engines[None].dialect.name,
            "n": args.n,
            "week_cases": args.week,
            **seeded,
            **measure(app, seeded["week"], args.reps),
        }
    line = json.dumps(result)
    print(line)
    if args.json:
        with open(args.json, "a") as out:
            out.write(line + "\n")


if __name__ == "__main__":
    main()
