"""The deadlines step of `flask relq tick` over 100,000 open cases (the issue's target: < 5 s).

Builds a SQLite database in a temporary directory (migrated with flask-migrate's `upgrade()`
under `create_app`), then bulk-inserts N open cases and their deadline clocks with core
INSERTs (the services would take far too long for 100k): received over the last weeks with
an exponential age (most open cases are young), severities 3 % / 12 % / 60 % / 25 %, statuses
received / routed / acknowledged / in progress / awaiting the customer (paused clocks), most
first responses and acknowledgements already met. Due times come from the real calendar, so
a few thousand clocks are past due and some more inside their warning window.

Then times, three runs each, medians:
- `relq.deadlines.services.tick(now)` in one transaction, as the tick command runs it: the
  first run stamps (and announces) what is due, the second and third find nothing to do;
- the whole `flask relq tick` command through click's CliRunner (every step of TICK_STEPS
  that exists, plus the housekeeping before them), after clearing the stamps again.

    .venv/bin/python bench/tick_bench.py [--n 100000] [--reps 3] [--keep] [--no-whole]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SEVERITY_WEIGHTS = {1: 3, 2: 12, 3: 60, 4: 25}
STATUS_WEIGHTS = {
    "received": 20,
    "routed": 15,
    "acknowledged": 15,
    "in_progress": 40,
    "awaiting_customer": 10,
}
MEAN_AGE_DAYS = 2.5
BATCH = 5000


def seed(n: int, now, rng: random.Random) -> dict:
    """Departments, a user, N open cases with their analyses (so that the tick's analysis
    step finds nothing to do) and clocks. Returns counts."""
    from sqlalchemy import insert, select

    from relq.analysis.models import CaseAnalysis
    from relq.cases.models import Case
    from relq.db import db, refresh_planner_statistics, transaction
    from relq.deadlines.calendar import add_business_minutes
    from relq.deadlines.models import CaseDeadline
    from relq.deadlines.services import policies
    from relq.org.models import Department, User
    from relq.org.services import DepartmentInput, UserInput, create_department, create_user

    with transaction():
        create_department(DepartmentInput("cs", "お客様相談室", "Customer Care", True), actor=None)
        for code, ja, en in (("qa", "品質保証部", "QA"), ("logistics", "物流部", "Logistics")):
            create_department(DepartmentInput(code, ja, en), actor=None)
        departments = {d.code: d.id for d in db.session.scalars(select(Department))}
        create_user(
            UserInput("op@bench.relq.jp", "bench", "operator", departments["cs"], "ja", "x" * 12),
            actor=None,
        )
        operator_id = db.session.scalar(select(User.id))
        policy = policies()
    owners = [departments["qa"], departments["logistics"]]
    severities, s_weights = zip(*SEVERITY_WEIGHTS.items(), strict=True)
    statuses, t_weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    clocks_total = 0

    def clock(case_id, kind, started, department_id, sev, *, met=None, paused=None):
        allowed = getattr(policy[sev], kind)
        due = add_business_minutes(started, allowed)
        warn = min(max(add_business_minutes(due, -policy[sev].warn), started), due)
        if met is not None and met > now:
            met = None
        return {
            "case_id": case_id,
            "kind": kind,
            "department_id": department_id,
            "started_at": started,
            "allowed_minutes": allowed,
            "due_at": due,
            "warn_at": warn,
            "paused_at": paused if met is None else None,
            "met_at": met,
        }

    with click.progressbar(length=n, label="Seeding open cases", file=sys.stderr) as bar:
        for lo in range(0, n, BATCH):
            size = min(BATCH, n - lo)
            rows = []
            for k in range(size):
                age = min(rng.expovariate(1 / MEAN_AGE_DAYS), 60)
                received = (now - timedelta(days=age)).replace(second=0, microsecond=0)
                status = rng.choices(statuses, t_weights)[0]
                rows.append(
                    {
                        "intake_token": f"bench-{lo + k}",
                        "kind": "complaint",
                        "channel": "phone",
                        "received_at": received,
                        "product": "冷凍パスタ",
                        "subject": f"ベンチマーク案件 {lo + k}",
                        "customer_words": "商品に異物が混入していました。",
                        "remedy_requested": "",
                        "severity": rng.choices(severities, s_weights)[0],
                        "status": status,
                        "intake_department_id": departments["cs"],
                        "responsible_department_id": (
                            None if status == "received" else rng.choice(owners)
                        ),
                        "created_by_id": operator_id,
                        "created_at": received,
                        "updated_at": received,
                        "version": 1,
                    }
                )
            with transaction():
                ids = db.session.scalars(insert(Case).returning(Case.id), rows).all()
                db.session.execute(
                    insert(CaseAnalysis),
                    [{"case_id": i, "state": "done", "language": "ja"} for i in ids],
                )
                clocks = []
                for case_id, row in zip(ids, rows, strict=True):
                    sev, status, got = row["severity"], row["status"], row["received_at"]
                    owner = row["responsible_department_id"]
                    paused = None
                    if status == "awaiting_customer":
                        paused = got + (now - got) * rng.uniform(0.3, 1.0)
                    answered = status != "received" or rng.random() < 0.5
                    first_met = None
                    if answered and rng.random() < 0.97:
                        first_met = add_business_minutes(
                            got, policy[sev].first_response * rng.uniform(0.1, 1.2)
                        )
                    clocks.append(clock(case_id, "first_response", got, None, sev, met=first_met))
                    clocks.append(clock(case_id, "resolution", got, owner, sev, paused=paused))
                    if owner is not None:
                        routed = got + timedelta(minutes=rng.randrange(5, 120))
                        ack_met = None
                        if status != "routed" or rng.random() < 0.2:
                            ack_met = add_business_minutes(
                                routed, policy[sev].acknowledge * rng.uniform(0.1, 1.3)
                            )
                        clocks.append(
                            clock(case_id, "acknowledge", routed, owner, sev, met=ack_met)
                        )
                db.session.execute(insert(CaseDeadline), clocks)
                clocks_total += len(clocks)
            bar.update(size)
    # The whole tick retrains the learned models when none is younger than a day; these cases
    # have no text worth learning from, and training is not what this measures.
    from relq.learning import LearnedModel

    with transaction():
        for kind in ("tags", "departments"):
            db.session.add(LearnedModel(kind=kind, created_at=now, examples=0, blob=b""))
    refresh_planner_statistics(force=True)
    return {"cases": n, "clocks": clocks_total}


def census(now) -> dict:
    from sqlalchemy import func, select

    from relq.db import db
    from relq.deadlines.models import CaseDeadline as D

    running = (D.met_at.is_(None), D.cancelled_at.is_(None), D.paused_at.is_(None))
    count = func.count(D.id)
    return {
        "open": db.session.scalar(
            select(count).where(D.met_at.is_(None), D.cancelled_at.is_(None))
        ),
        "paused": db.session.scalar(select(count).where(D.paused_at.is_not(None))),
        "past_due": db.session.scalar(select(count).where(*running, D.due_at <= now)),
        "in_warning": db.session.scalar(
            select(count).where(*running, D.warn_at <= now, D.due_at > now)
        ),
    }


def query_plans(now) -> list[str]:
    """SQLite's plan for the two UPDATEs of tick: both should search a partial index."""
    from sqlalchemy import update

    from relq.db import db
    from relq.deadlines.models import CaseDeadline as D

    running = (D.met_at.is_(None), D.cancelled_at.is_(None), D.paused_at.is_(None))
    plans = []
    for statement in (
        update(D).where(*running, D.missed_at.is_(None), D.due_at <= now).values(missed_at=now),
        update(D).where(*running, D.warned_at.is_(None), D.warn_at <= now).values(warned_at=now),
    ):
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": False})
        params = compiled.construct_params()
        sql = "EXPLAIN QUERY PLAN " + str(compiled)
        rows = db.session.connection().exec_driver_sql(
            sql, tuple(params[name] for name in compiled.positiontup)
        )
        plans.append("; ".join(row[-1] for row in rows))
    db.session.rollback()
    return plans


def clear_stamps() -> None:
    from sqlalchemy import update

    from relq.db import db, transaction
    from relq.deadlines.models import CaseDeadline

    with transaction():
        db.session.execute(update(CaseDeadline).values(warned_at=None, missed_at=None))


def time_deadlines_step(now, reps: int, *, muted: bool) -> list[tuple[float, dict]]:
    """`muted`: the deadline signals reach no receiver (the deadlines' own work: the UPDATEs
    and loading the stamped clocks); otherwise escalations and notifications react as in
    production, inside the same transaction."""
    from contextlib import ExitStack

    from relq import events
    from relq.db import db, transaction
    from relq.deadlines.services import tick

    runs = []
    for _ in range(reps):
        db.session.expunge_all()
        with ExitStack() as stack:
            if muted:
                stack.enter_context(events.deadline_missed.muted())
                stack.enter_context(events.deadline_warned.muted())
            started = time.perf_counter()
            with transaction():
                result = tick(now)
            runs.append((time.perf_counter() - started, result))
    return runs


def report_runs(title: str, runs: list, target: str = "") -> None:
    print(f"\n{title}")
    print(f"  {'run':<5} {'seconds':>8}  result")
    for i, (seconds, result) in enumerate(runs, 1):
        print(f"  {i:<5} {seconds:>8.3f}  {result}")
    again = statistics.median(s for s, _ in runs[1:]) if len(runs) > 1 else float("nan")
    print(
        f"  first run {runs[0][0]:.3f} s; median of all {len(runs)}: "
        f"{statistics.median(s for s, _ in runs):.3f} s; median of the runs after the first: "
        f"{again:.3f} s{target}"
    )


def time_whole_tick(app, reps: int) -> list[tuple[float, str]]:
    runs = []
    runner = app.test_cli_runner()
    for _ in range(reps):
        started = time.perf_counter()
        result = runner.invoke(args=["relq", "tick"], catch_exceptions=False)
        runs.append((time.perf_counter() - started, result.output.strip().replace("\n", " | ")))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="open cases")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--keep", action="store_true", help="keep the database and say where")
    parser.add_argument("--no-whole", action="store_true", help="skip the whole tick command")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from relq import create_app
    from relq.db import db, utcnow

    workdir = Path(tempfile.mkdtemp(prefix="relq-tick-bench-"))
    path = workdir / "relq.db"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "ANALYSIS_QUEUE": "off", "TESTING": True}
    )
    now = utcnow()
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        counts = seed(args.n, now, random.Random(args.seed))
        seeded = time.perf_counter() - started
        counts |= census(now)
        print(
            f"\nSeeded {counts['cases']:,} open cases and {counts['clocks']:,} clocks in "
            f"{seeded:.1f} s: {counts['open']:,} open clocks ({counts['paused']:,} paused), "
            f"{counts['past_due']:,} past due, {counts['in_warning']:,} inside their warning "
            f"window."
        )
        for plan in query_plans(now):
            print(f"  plan: {plan}")

        target = "  (target < 5 s)"
        alone = time_deadlines_step(now, args.reps, muted=True)
        report_runs("Deadlines step alone (services.tick, signals muted):", alone, target)
        clear_stamps()
        step = time_deadlines_step(now, args.reps, muted=False)
        report_runs(
            "Deadlines step with its listeners (escalations, notifications), stamps cleared:",
            step,
            target,
        )
        if not args.no_whole:
            clear_stamps()
            db.session.remove()
            whole = time_whole_tick(app, args.reps)
            report_runs(
                "Whole `flask relq tick` (CliRunner), stamps cleared again (the escalations "
                "raised above stay, so they are not raised twice):",
                whole,
            )
        db.session.remove()
        db.engine.dispose()
    if args.keep:
        print(f"\nDatabase kept at {path}")
    else:
        for leftover in workdir.iterdir():
            leftover.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
