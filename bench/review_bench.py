"""The management review pack for one quarter inside N cases (default 1,000,000 over two years,
so a quarter holds about 125,000), on SQLite and PostgreSQL: the figures (SQL aggregates), the
page (figures, charts as SVG, template) and the PDF (figures, charts as PNG, WeasyPrint).

For each database (SQLite in a temporary directory; PostgreSQL in a fresh database on
127.0.0.1:5432 that this script creates and drops), migrated with flask-migrate's `upgrade()`:
- 8 departments with a lead each, an executive, 6 categories of 3 tags;
- N cases bulk-inserted with driver-level INSERT/COPY (the services would take hours), received
  over the last 104 weeks, of every kind and channel, 40 % of them with an accepted tag, each
  with its first-response and resolution clocks (and an acknowledgement clock when routed),
  most met (some late), a few missed; an escalation for 1 case in 200 (most decided), and
  surges on 20 theme keys;
- a held review of the quarter before the one measured, with 6 actions on categories (so
  "effectiveness of earlier actions" has work to do);
then times, as an executive:
- the pack's figures (relq.review.pack.review_pack) for the last complete quarter: median and
  max of --reps runs;
- the page (the view: figures, SVG charts, template): median of --reps (charts cached after the
  first run, as on a live server: the same figures give the same charts);
- the PDF job (relq.review.documents: asked for, then rendered as the background job does it:
  figures, PNG charts, WeasyPrint, stored): the first (PNG charts drawn), then the median of
  --reps; and the stored PDF served by GET.

    .venv/bin/python bench/review_bench.py [--db sqlite|postgresql|both] [--n 1000000]
        [--reps 5] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import bulk_insert, each_database  # noqa: E402  (bench/_common.py, beside this script)

os.environ.setdefault("RELQ_CONFIG", "test")

BATCH = 20_000
WEEKS = 104
DEPARTMENTS = [
    "お客様相談室", "品質保証部", "物流部", "営業部",
    "経理部", "情報システム部", "人事部", "経営企画室",
]  # fmt: skip
KINDS = (("complaint", 0.45), ("inquiry", 0.35), ("request", 0.12), ("compliment", 0.08))
CHANNELS = (
    ("phone", 0.45), ("email", 0.25), ("web", 0.2),
    ("letter", 0.03), ("visit", 0.02), ("social", 0.05),
)  # fmt: skip
REASONS = ("severity", "acknowledge_missed", "resolution_missed", "repeat_customer", "safety")
OUTCOMES = ("action_ordered", "resolved", "accepted", "no_action")


def _app(url: str):
    import config as settings
    from relq import create_app

    class Config(settings.TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Config)


def _choice(rng: random.Random, weighted) -> str:
    x, total = rng.random(), 0.0
    for value, weight in weighted:
        total += weight
        if x < total:
            return value
    return weighted[-1][0]


def seed(n: int, now, rng: random.Random) -> dict:
    from tqdm import tqdm

    from relq.db import db, refresh_planner_statistics, transaction
    from relq.org.services import DepartmentInput, UserInput, create_department, create_user
    from relq.tags.models import Tag

    with transaction():
        departments = [
            create_department(DepartmentInput(f"d{i}", name, f"Dept {i}", i == 0), actor=None)
            for i, name in enumerate(DEPARTMENTS)
        ]
        for i, d in enumerate(departments):
            create_user(
                UserInput(f"lead{i}@bench.jp", f"lead {i}", "lead", d.id, "ja", "bench-password"),
                actor=None,
            )
        executive = create_user(
            UserInput("exec@bench.jp", "exec", "executive", departments[7].id, "ja", "bench-pw-1"),
            actor=None,
        )
        operator = create_user(
            UserInput("op@bench.jp", "op", "operator", departments[0].id, "ja", "bench-pw-1"),
            actor=None,
        )
        categories, tags = [], []
        for c in range(6):
            category = Tag(code=f"bench.c{c}", name_ja=f"分類{c}", name_en=f"Category {c}")
            db.session.add(category)
            db.session.flush()
            categories.append(category.id)
            for t in range(3):
                tag = Tag(
                    code=f"bench.c{c}.t{t}",
                    name_ja=f"分類{c}・{t}",
                    name_en=f"Tag {c}.{t}",
                    parent_id=category.id,
                )
                db.session.add(tag)
                db.session.flush()
                tags.append(tag.id)
        made = {
            "departments": [d.id for d in departments],
            "executive": executive.id,
            "operator": operator.id,
            "categories": categories,
            "tags": tags,
        }
    db.session.remove()
    span = timedelta(weeks=WEEKS).total_seconds()
    intake = made["departments"][0]
    owners = made["departments"][1:]
    cases, clocks, case_tags, escalations = [], [], [], []
    counts = {"clocks": 0, "case_tags": 0, "escalations": 0}

    def flush() -> None:
        for table, rows in (
            ("cases", cases),
            ("case_deadlines", clocks),
            ("case_tags", case_tags),
            ("escalations", escalations),
        ):
            if rows:
                bulk_insert(table, rows)
                rows.clear()

    with tqdm(total=n, desc="cases", unit="case", unit_scale=True) as bar:
        for case_id in range(1, n + 1):
            received = now - timedelta(seconds=rng.random() * span)
            owner = rng.choice(owners) if rng.random() < 0.7 else None
            closed = received < now - timedelta(days=20) or rng.random() < 0.5
            cases.append(
                {
                    "id": case_id,
                    "intake_token": secrets.token_hex(12),
                    "kind": _choice(rng, KINDS),
                    "channel": _choice(rng, CHANNELS),
                    "received_at": received,
                    "product": f"KT-{rng.randrange(100, 110)}",
                    "subject": "ベンチマークの案件",
                    "customer_words": "ベンチマーク用のお客様の声です。",
                    "remedy_requested": "",
                    "severity": rng.choice((1, 2, 3, 3, 3, 4)),
                    "status": "closed" if closed else ("routed" if owner else "received"),
                    "intake_department_id": intake,
                    "responsible_department_id": owner,
                    "assignee_id": None,
                    "created_by_id": made["operator"],
                    "customer_id": None,
                    "created_at": received,
                    "updated_at": received,
                    "version": 1,
                }
            )
            kinds = [("first_response", 540), ("resolution", 5400)]
            if owner:
                kinds.append(("acknowledge", 540))
            for kind, minutes in kinds:
                started = received + timedelta(minutes=5)
                due = started + timedelta(minutes=minutes * 2.5)
                roll = rng.random()
                met = None
                if closed or roll < 0.6:
                    late = rng.random() < 0.15
                    met = started + (due - started) * (
                        rng.uniform(1.0, 2.0) if late else rng.uniform(0.05, 0.95)
                    )
                clocks.append(
                    {
                        "case_id": case_id,
                        "kind": kind,
                        "department_id": owner if kind != "first_response" else None,
                        "started_at": started,
                        "allowed_minutes": minutes,
                        "due_at": due,
                        "warn_at": started,
                        "paused_at": None,
                        "met_at": met if met is None or met < now else None,
                        "cancelled_at": None,
                        "warned_at": None,
                        "missed_at": None,
                    }
                )
            if rng.random() < 0.4:
                case_tags.append(
                    {
                        "case_id": case_id,
                        "tag_id": rng.choice(made["tags"]),
                        "state": "accepted",
                        "source": "manual",
                        "confidence": None,
                        "reasons": "[]",
                        "created_at": received,
                        "decided_by_id": made["operator"],
                        "decided_at": received,
                    }
                )
            if rng.random() < 0.005:
                decided = rng.random() < 0.8
                escalations.append(
                    {
                        "case_id": case_id,
                        "reason": rng.choice(REASONS),
                        "level": 2,
                        "department_id": owner,
                        "detail": "",
                        "opened_at": received + timedelta(hours=2),
                        "closed_at": received + timedelta(days=2) if decided else None,
                        "closed_by_id": made["executive"] if decided else None,
                        "outcome": rng.choice(OUTCOMES) if decided else None,
                        "decision": "ベンチマークの経営判断" if decided else "",
                    }
                )
            counts["clocks"] += len(kinds)
            if len(cases) == BATCH:
                flush()
                bar.update(BATCH)
        bar.update(len(cases))
        flush()
    _surges(made, now, rng)
    from relq.db import db as _db

    if _db.engine.dialect.name == "postgresql":
        with _db.engine.begin() as connection:
            connection.exec_driver_sql("SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))")
        with _db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE"
            )
    else:
        with _db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        with _db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    refresh_planner_statistics()
    return made


def _surges(made: dict, now, rng: random.Random) -> None:
    from relq.db import db, transaction
    from relq.themes.models import SurgeAlert

    with transaction():
        last_sunday = now.date() - timedelta(days=now.date().weekday() + 1)
        for k in range(20):
            for week in rng.sample(range(WEEKS), 6):
                db.session.add(
                    SurgeAlert(
                        key=f"model:KT-{100 + k % 10}|tag:bench.c{k % 6}.t{k % 3}",
                        label=f"KT-{100 + k % 10} · 分類{k % 6}",
                        kind="surge",
                        problem_kind="tag",
                        problem=f"bench.c{k % 6}.t{k % 3}",
                        product=f"KT-{100 + k % 10}",
                        product_level="model",
                        week_end=last_sunday - timedelta(weeks=week),
                        observed=rng.randint(8, 30),
                        expected=2.0,
                        p_value=0.001,
                    )
                )


def _timed(function, reps: int, before=None) -> tuple[float, float]:
    from relq.db import db

    times = []
    for _ in range(reps):
        if before:
            before()
        db.session.rollback()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def run(url: str, args) -> dict:
    from flask_login import login_user
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from relq.cases.models import Case
    from relq.db import db, transaction, utcnow
    from relq.org.models import User
    from relq.review import views
    from relq.review.documents import render_pending_documents, request_document
    from relq.review.models import ManagementReview
    from relq.review.pack import CURRENT, review_pack
    from relq.review.periods import last_complete_quarter
    from relq.review.services import (
        ActionInput,
        ReviewRecord,
        add_action,
        start_review,
        update_review,
    )

    app = _app(url)
    results: dict = {}
    with app.app_context():
        upgrade()
        now = utcnow()
        start = time.perf_counter()
        made = seed(args.n, now, random.Random(18))
        results["seed_s"] = time.perf_counter() - start
        executive = db.session.get(User, made["executive"])
        quarter = last_complete_quarter(now.date())
        with transaction():
            earlier = start_review(executive, quarter.previous(), title="前四半期のレビュー")
            for i, category in enumerate(made["categories"]):
                add_action(
                    executive,
                    earlier,
                    ActionInput(f"分類{i}の対策", made["departments"][1 + i], tag_id=category),
                )
            update_review(
                executive,
                earlier,
                ReviewRecord("前四半期のレビュー", "held", quarter.start, "経営会議", "対策を決定"),
                expected_version=earlier.version,
            )
            review = start_review(executive, quarter, title="四半期レビュー")
        review_id = review.id
        results["quarter"] = f"{quarter.start} – {quarter.end}"
        results["in_quarter"] = db.session.scalar(
            select(func.count())
            .select_from(Case)
            .where(Case.received_at >= quarter.starts_at, Case.received_at < quarter.ends_at)
        )
        pack = review_pack(executive, quarter)
        results["check"] = (
            pack.received.current,
            pack.clocks[CURRENT]["resolution"].on_time_percent,
        )
        results["figures"] = _timed(lambda: review_pack(executive, quarter), args.reps)

        def call(view):
            with app.test_request_context(f"/reviews/{review_id}"):
                login_user(db.session.get(User, made["executive"]))
                response = view(review_id)
                return response

        call(views.detail)  # charts drawn once (cached by their inputs from then on)
        results["page"] = _timed(lambda: call(views.detail), args.reps)

        def render() -> None:
            with transaction():
                request_document(
                    db.session.get(User, made["executive"]),
                    db.session.get(ManagementReview, review_id),
                    "ja",
                )
            render_pending_documents()

        start = time.perf_counter()
        render()  # the PNG charts drawn for the first time
        results["pdf_first"] = time.perf_counter() - start
        results["pdf"] = _timed(render, args.reps)
        document = call(views.pdf)
        results["pdf_kb"] = len(document.get_data()) / 1024
        results["pdf_cached"] = _timed(lambda: call(views.pdf), args.reps)
        db.session.remove()
        db.engine.dispose()
    return results


def _report(name: str, r: dict, args) -> None:
    load = os.getloadavg()
    print(f"\n== {name}: {args.n:,} cases; quarter {r['quarter']} holds {r['in_quarter']:,}")
    print(f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (2 cores, shared)")
    print(f"seeded in {r['seed_s']:.0f} s; pack check: {r['check'][0]:,} received, "
          f"resolution on time {r['check'][1]:.1f} %")  # fmt: skip
    print(f"{'what':<38}{'median s':>10}{'max s':>10}")
    for label, key in (
        ("figures (SQL aggregates)", "figures"),
        ("page (figures + SVG + template)", "page"),
        ("PDF job (figures + PNG + WeasyPrint)", "pdf"),
        ("PDF served once prepared", "pdf_cached"),
    ):
        median, worst = r[key]
        print(f"{label:<38}{median:>10.3f}{worst:>10.3f}")
    print(
        f"{'PDF job, first (PNG charts drawn)':<38}{r['pdf_first']:>10.3f}   ({r['pdf_kb']:.0f} kB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    for label, url in each_database(args.db, pg=args.pg, prefix="relq_review_bench"):
        _report(label, run(url, args), args)


if __name__ == "__main__":
    main()
