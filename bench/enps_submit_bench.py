"""eNPS collection: answering through the respondent's page, and closing a large round.

For each database (SQLite in a temporary directory; PostgreSQL in a fresh database on
127.0.0.1:5432 that this script creates and drops), migrated with flask-migrate's `upgrade()`:
- an organisation of 8 departments and an admin; one open round with the default items;
- N one-time links (default 300) made by `collect.invite`;
- each link answered through Flask's test client as a browser would: GET the page (the
  statement and the form), POST the answer with its CSRF token; the time of each GET+POST;
- then M more answers (default 20,000) bulk-inserted with their factor values, and the time of
  `close_round`, which rewrites the round's answers in key order (collect.reshuffle_answers).

    .venv/bin/python bench/enps_submit_bench.py [--db sqlite|postgresql|both] [--n 300]
        [--m 20000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("RELQ_CONFIG", "test")

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _app(url: str):
    import config as settings
    from relq import create_app

    class Config(settings.TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Config)


def _seed(n: int):
    from relq.db import db, transaction
    from relq.enps.collect import invite
    from relq.enps.rounds import RoundInput, create_round, open_round
    from relq.org.services import DepartmentInput, UserInput, create_department, create_user

    with transaction():
        departments = [
            create_department(DepartmentInput(f"d{i}", f"部署{i}", f"Dept {i}", i == 0), actor=None)
            for i in range(8)
        ]
        admin = create_user(
            UserInput(
                "admin@bench.jp", "管理者", "admin", departments[0].id, "ja", "bench pass 1234"
            ),
            actor=None,
        )
        survey_round = create_round(
            RoundInput("ベンチ", "census", date(2026, 11, 1), date(2026, 11, 20)), actor=admin
        )
        open_round(survey_round, actor=admin)
        issued = invite(
            survey_round, actor=admin, emails=[f"p{i}@bench.jp" for i in range(n)]
        ).issued
    db.session.commit()
    return admin, survey_round.id, [d.id for d in departments], [i.token for i in issued]


def _answer_all(app, round_id, department_ids, tokens) -> list[float]:
    from relq.db import db
    from relq.enps.models import SurveyRound

    survey_round = db.session.get(SurveyRound, round_id)
    factors = [f.id for f in survey_round.factors]
    db.session.commit()
    rng = random.Random(1)
    client = app.test_client()
    times = []
    for token in tokens:
        started = time.perf_counter()
        page = client.get(f"/enps/survey/{token}")
        csrf = CSRF.search(page.get_data(as_text=True)).group(1)
        data = {
            "csrf_token": csrf,
            "score": str(rng.randrange(11)),
            "department_id": str(rng.choice(department_ids)),
            "reason": "評価の基準が分かりにくい",
            "level_band_id": "0",
            "tenure_band_id": "0",
        } | {f"factor_{f}": str(rng.randint(1, 5)) for f in factors}
        response = client.post(f"/enps/survey/{token}", data=data)
        assert response.status_code == 302, response.status_code
        times.append(time.perf_counter() - started)
    return times


def _bulk(round_id, department_ids, m: int) -> None:
    from sqlalchemy import insert

    from relq.db import db, transaction
    from relq.enps.models import FactorAnswer, SurveyResponse, SurveyRound, new_response_id

    survey_round = db.session.get(SurveyRound, round_id)
    factors = [f.id for f in survey_round.factors]
    rng = random.Random(2)
    for start in range(0, m, 5000):
        rows, values = [], []
        for _ in range(min(5000, m - start)):
            key = new_response_id()
            rows.append(
                {
                    "id": key,
                    "round_id": round_id,
                    "department_id": rng.choice(department_ids),
                    "score": rng.randrange(11),
                    "reason": "",
                    "source": "import",
                }
            )
            values += [
                {"response_id": key, "factor_id": f, "value": rng.randint(1, 5)} for f in factors
            ]
        with transaction():
            db.session.execute(insert(SurveyResponse), rows)
            db.session.execute(insert(FactorAnswer), values)


def run(url: str, n: int, m: int) -> dict:
    from flask_migrate import upgrade

    from relq.db import db, transaction
    from relq.enps.models import SurveyRound
    from relq.enps.rounds import close_round

    app = _app(url)
    with app.app_context():
        upgrade()
        admin, round_id, department_ids, tokens = _seed(n)
        times = _answer_all(app, round_id, department_ids, tokens)
        _bulk(round_id, department_ids, m)
        started = time.perf_counter()
        with transaction():
            close_round(db.session.get(SurveyRound, round_id), actor=db.session.merge(admin))
        closing = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    times.sort()
    return {
        "answers": n,
        "median_ms": 1000 * statistics.median(times),
        "p95_ms": 1000 * times[int(0.95 * (len(times) - 1))],
        "per_s": n / sum(times),
        "close_answers": n + m,
        "close_s": closing,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--m", type=int, default=20_000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    results = {}
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            results["sqlite"] = run(f"sqlite:///{folder}/bench.db", args.n, args.m)
    if args.db in ("postgresql", "both"):
        import psycopg

        admin = args.pg.replace("postgresql+psycopg://", "postgresql://")
        name = f"relq_enps_submit_bench_{os.getpid()}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            results["postgresql"] = run(re.sub(r"/[^/]*$", f"/{name}", args.pg), args.n, args.m)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for kind, r in results.items():
        print(
            f"{kind}: {r['answers']} answers through the page (GET + POST): median "
            f"{r['median_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, {r['per_s']:.1f} answers/s "
            f"(one client); close_round rewriting {r['close_answers']:,} answers: "
            f"{r['close_s']:.2f} s"
        )


if __name__ == "__main__":
    main()
