"""eNPS results over 100,000 answers in 20 rounds (issue 16's target: cross-tabs and drivers
< 1 s on PostgreSQL and SQLite).

For each database (SQLite in a temporary directory; PostgreSQL in a fresh database on
127.0.0.1:5432 that this script creates and drops), migrated with flask-migrate's `upgrade()`:
- D departments (default 20) and an admin through the org services; R closed rounds (default
  20), each with 4 job-level bands, 4 tenure bands and 6 factor items;
- N answers (default 100,000) bulk-inserted with core INSERTs / COPY, spread over the rounds and
  departments (skewed sizes, so some departments sit under the threshold), each with a band of
  each kind (a few without), a 0-10 score that depends on the factors, and 6 factor answers
  (5 % skipped): about 570,000 factor answers;
then times, medians of --reps runs on a fresh session:
- cross-tabs: `results.round_results` for the company (department table, level and tenure cuts,
  the previous round) and for the largest department;
- the trend across all rounds (`results.trend`, one GROUP BY per round);
- drivers: `drivers.drivers` for the company and for the largest department.

    .venv/bin/python bench/enps_bench.py [--db sqlite|postgresql|both] [--n 100000]
        [--rounds 20] [--departments 20] [--reps 5]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import bulk_insert, each_database  # noqa: E402  (bench/_common.py, beside this script)

os.environ.setdefault("RELQ_CONFIG", "test")

BATCH = 20_000
LEVELS = ("一般", "主任", "課長", "部長以上")
TENURES = ("3年未満", "3〜5年", "5〜10年", "10年以上")
FACTORS = (
    ("purpose", "やりがい"),
    ("relations", "人間関係"),
    ("reward", "評価と報酬"),
    ("growth", "成長機会"),
    ("environment", "職場環境"),
    ("trust", "経営への信頼"),
)


def _app(url: str):
    import config as settings
    from relq import create_app

    class Config(settings.TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Config)


def seed(args, rng: random.Random) -> dict:
    from tqdm import tqdm

    from relq.db import db, refresh_planner_statistics, transaction
    from relq.enps.models import (
        FactorAnswer,
        SurveyBand,
        SurveyFactor,
        SurveyResponse,
        SurveyRound,
        new_response_id,
    )
    from relq.org.services import DepartmentInput, UserInput, create_department, create_user

    with transaction():
        departments = [
            create_department(
                DepartmentInput(f"d{i:02d}", f"部署{i:02d}", f"Department {i}", i == 0), actor=None
            )
            for i in range(args.departments)
        ]
        admin = create_user(
            UserInput(
                "admin@bench.jp", "admin", "admin", departments[0].id, "ja", "bench-password-enps"
            ),
            actor=None,
        )
        rounds = []
        start = date(2016, 4, 1)
        for r in range(args.rounds):
            begin = start + timedelta(days=182 * r)
            survey_round = SurveyRound(
                name=f"第{r + 1}回",
                kind="census",
                status="closed",
                period_start=begin,
                period_end=begin + timedelta(days=27),
                created_by_id=admin.id,
            )
            for i, (ja, en) in enumerate(zip(LEVELS, LEVELS, strict=True)):
                survey_round.bands.append(
                    SurveyBand(dimension="level", position=i, name_ja=ja, name_en=en)
                )
            for i, (ja, en) in enumerate(zip(TENURES, TENURES, strict=True)):
                survey_round.bands.append(
                    SurveyBand(dimension="tenure", position=i, name_ja=ja, name_en=en)
                )
            for i, (code, ja) in enumerate(FACTORS):
                survey_round.factors.append(
                    SurveyFactor(position=i, code=code, name_ja=ja, name_en=code)
                )
            db.session.add(survey_round)
            rounds.append(survey_round)
        db.session.flush()
        plan = [
            (
                r.id,
                [b.id for b in r.bands if b.dimension == "level"],
                [b.id for b in r.bands if b.dimension == "tenure"],
                [f.id for f in r.factors],
            )
            for r in rounds
        ]
        department_ids = [d.id for d in departments]
    # Skewed department sizes: the largest ~30x the smallest (some under 5 in a round).
    weights = [1 / (i + 1) ** 1.1 for i in range(len(department_ids))]
    responses, answers = [], []
    bar = tqdm(total=args.n, desc="answers", unit="answer")

    def flush() -> None:
        if responses:
            bulk_insert(SurveyResponse.__tablename__, responses)
            bulk_insert(FactorAnswer.__tablename__, answers)
            responses.clear()
            answers.clear()

    for k in range(args.n):
        round_id, levels, tenures, factors = plan[k % len(plan)]
        dept = rng.choices(department_ids, weights)[0]
        drift = (k % len(plan)) / len(plan) - 0.5  # a slow trend across rounds
        values = [min(5, max(1, round(rng.gauss(3.2 + drift, 1.0)))) for _ in factors]
        score = min(10, max(0, round(sum(values) / len(values) * 2 - 0.5 + rng.gauss(0, 1.5))))
        rid = new_response_id()
        responses.append(
            {
                "id": rid,
                "round_id": round_id,
                "department_id": dept,
                "level_band_id": rng.choice(levels) if rng.random() > 0.03 else None,
                "tenure_band_id": rng.choice(tenures) if rng.random() > 0.03 else None,
                "score": score,
                "reason": "",
                "source": "import",
            }
        )
        for factor_id, value in zip(factors, values, strict=True):
            if rng.random() > 0.05:
                answers.append({"response_id": rid, "factor_id": factor_id, "value": value})
        if len(responses) >= BATCH:
            bar.update(len(responses))
            flush()
    bar.update(len(responses))
    flush()
    bar.close()
    if db.engine.dialect.name == "sqlite":
        refresh_planner_statistics(force=True)
    else:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    return {"rounds": [p[0] for p in plan]}


def _timed(function, reps: int) -> tuple[float, float]:
    from relq.db import db

    times = []
    for _ in range(reps):
        db.session.remove()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def run(url: str, args) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from relq.db import db
    from relq.enps import drivers, results
    from relq.enps.gate import Group
    from relq.enps.models import FactorAnswer, SurveyResponse, SurveyRound
    from relq.org.models import Department

    app = _app(url)
    out: dict = {}
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        made = seed(args, random.Random(16))
        out["seed_s"] = time.perf_counter() - start
        db.session.remove()
        out["answers"] = db.session.scalar(select(func.count()).select_from(SurveyResponse))
        out["factor_answers"] = db.session.scalar(select(func.count()).select_from(FactorAnswer))
        last = made["rounds"][-1]
        largest = db.session.scalar(
            select(SurveyResponse.department_id)
            .where(SurveyResponse.round_id == last)
            .group_by(SurveyResponse.department_id)
            .order_by(func.count().desc())
            .limit(1)
        )

        def crosstab(department_id):
            survey_round = db.session.get(SurveyRound, last)
            dept = db.session.get(Department, department_id) if department_id else None
            found = results.round_results(survey_round, dept)
            return found

        company = crosstab(None)
        out["shown_departments"] = sum(1 for r in company.departments if r.score.shown)
        out["departments_in_round"] = len(company.departments)
        out["crosstab_company"] = _timed(lambda: crosstab(None), args.reps)
        out["crosstab_department"] = _timed(lambda: crosstab(largest), args.reps)
        out["trend"] = _timed(lambda: results.trend(None), args.reps)
        out["drivers_company"] = _timed(lambda: drivers.drivers(Group(last)), args.reps)
        out["drivers_department"] = _timed(lambda: drivers.drivers(Group(last, largest)), args.reps)
        db.session.remove()
        db.engine.dispose()
    return out


def _report(name: str, r: dict, args) -> None:
    print(
        f"\n== {name}: {r['answers']:,} answers ({r['factor_answers']:,} factor answers) in "
        f"{args.rounds} rounds, {args.departments} departments"
    )
    print(
        f"seeded in {r['seed_s']:.0f} s; last round: {r['shown_departments']} of "
        f"{r['departments_in_round']} departments shown"
    )
    for key, label in (
        ("crosstab_company", "cross-tabs, company (departments, level, tenure, previous round)"),
        ("crosstab_department", "cross-tabs, largest department"),
        ("trend", f"trend across {args.rounds} rounds"),
        ("drivers_company", "drivers, company"),
        ("drivers_department", "drivers, largest department"),
    ):
        median, worst = r[key]
        print(f"{label:<66} median {median * 1000:7.1f} ms (max {worst * 1000:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--departments", type=int, default=20)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    for label, url in each_database(args.db, pg=args.pg, prefix="relq_enps_bench"):
        _report(label, run(url, args), args)


if __name__ == "__main__":
    main()
