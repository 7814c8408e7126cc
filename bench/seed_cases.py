"""Seed relq with the benchmark's canonical data set (../shared/bench/dataset.py) and time it.

    RELQ_CONFIG=production SECRET_KEY=... DATABASE_URL=sqlite:////tmp/product/data/relq10k.db \
        python bench/seed_cases.py --n 10000 [--mode service|bulk] [--batch 500] [--out seed.jsonl]

Normally run through `bench/product/seed.sh N RESULT_JSONL`, which migrates a fresh
database first (`flask relq init`) and keeps a snapshot of the result.

Modes ("bulk intake"):
  service  relq's own write path (default, the number to compare): `create_department`,
           `create_user`, then per case `create_case` (customer looked up or created by
           e-mail, routed to its queue's department), `add_note` per note/reply and
           `transition_case` per status change, each recording its audit event; one
           `relq.db.transaction()` per --batch cases.  The services stamp notes and
           audit events with the present, as the app does.
  bulk     the same rows (cases, customers, notes, audit events; same statuses,
           departments, authors and versions) written with SQLAlchemy Core executemany,
           with the data set's historical times, like relq's demo loader.  For when only
           the data matters.  Not everything: what the services' event receivers write
           (deadline clocks, department answers, escalations, notifications: at 1,000
           cases 3.4, 0.9, 0.1 and 2.3 rows per case) is missing, so the detail page and
           intake run on less data than the service seed gives them.
  copy     --source URL: every row of relq's tables copied from another relq database of
           the same schema (a service seed on SQLite -> PostgreSQL), ids kept, sequences
           moved past them, the NLP analyses included (no backfill).  The two databases
           then hold exactly the same data.

Then, in both modes, every case's NLP analysis (what search's word index is made of) is
run by the product's own catch-up, `relq.analysis.services.backfill` (= `flask relq nlp
backfill`): intake runs with RELQ_ANALYSIS_QUEUE=off, so each case is left pending by the
services instead of being analysed by a thread while the batch holds SQLite's write lock.
--no-nlp skips it (search then falls back to substring matching).  The JSON line gives the
whole seed (seconds, cases_per_s) and the two phases (intake_*, analysis_*).

Mapping of the data set onto relq:
  * 8 queues -> 8 departments; "general" (General Inquiries) is the customer-contact
    department (お客様相談室): its operators take every case in.
  * 10 agents -> 10 operators of that department; each case is logged by its assignee
    (round-robin over the agents when unassigned: relq has no assignment service yet).
    One lead per department does the owner's steps (acknowledge, start, resolve).
    Login for the benchmark: operator bench@example.com / bench-pass-123 (sees all cases).
  * case: subject = title, customer's words = description, product = the title's noun,
    kind from the first queue, channel from a fixed-seed draw, severity = priority
    (1..5, 5 -> 4), received_at = created, customer = submitter e-mail, routed at intake
    to the department of the case's first queue (status "routed").
  * events: note -> internal note, reply -> response note, handoff -> "reroute" to the
    new queue's department (reason = the event text) while the case is routed or
    acknowledged, else an internal note; status -> the lifecycle steps to the final status.
  * final status: open -> routed / acknowledged / in_progress / awaiting_customer
    (30/20/40/10 %, fixed seed), reopened -> resolved then reopened (in_progress),
    resolved -> resolved, closed -> closed.  The default list (every status but closed)
    therefore holds the data set's open + reopened + resolved cases (~60 %).
  * case ids come out 1..N in data set order (fresh database).

Prints one JSON line {"system": "product", "db": ..., "n": ..., "mode": ..., "seconds": ...,
"cases_per_s": ..., "rows_per_s": ...} and appends it to --out.  Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from collections import deque
from datetime import timedelta
from pathlib import Path

# The relq to seed with: the work tree, or RELQ_TREE (a copy of one commit, see seed.sh)
ROOT = Path(os.environ.get("RELQ_TREE") or Path(__file__).resolve().parent.parent)
SHARED_BENCH = Path(os.environ.get("BENCH_SHARED", ROOT.parent / "shared" / "bench"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(SHARED_BENCH))

import dataset  # noqa: E402  (shared/bench/dataset.py: the canonical data)
import load  # noqa: E402  (shared/bench/load.py, stdlib only: CPU readings)

BENCH_EMAIL = "bench@example.com"
BENCH_PASSWORD = "bench-pass-123"  # noqa: S105  (benchmark login on loopback)
AGENT_PASSWORD = "agent-pass-123"  # noqa: S105
CONTACT_QUEUE = "general"
DEPARTMENT_NAMES_JA = {
    "billing": "請求",
    "technical": "技術サポート",
    "shipping": "配送",
    "returns": "返品",
    "accounts": "アカウント",
    "sales": "営業",
    "complaints": "苦情対応",
    "general": "お客様相談室",
}
KIND_BY_QUEUE = {
    "billing": "complaint",
    "technical": "inquiry",
    "shipping": "complaint",
    "returns": "request",
    "accounts": "inquiry",
    "sales": "request",
    "complaints": "complaint",
    "general": "inquiry",
}
CHANNEL_WEIGHTS = [
    ("phone", 40),
    ("email", 30),
    ("web", 20),
    ("letter", 4),
    ("visit", 3),
    ("social", 3),
]
OPEN_MIX = [("routed", 30), ("acknowledged", 20), ("in_progress", 40), ("awaiting_customer", 10)]
FINAL = {3: "resolved", 4: "closed"}  # 1 open, 2 reopened: see goal_for()
MAPPING_SEED = 20261124
REOPEN_REASON = "The customer reports the problem again."
# What a transition that needs a reason says ("complete" = the owner's 対応済 answer).
REASONS = {"reopen": REOPEN_REASON, "complete": "Handled as the customer asked."}
PLAN_DAYS = 7  # "plan" (対応予定) needs a date: a week after the step


# ---- the plan: what happens to one case, independent of how it is written ------------------


def _weighted(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def lifecycle_path(status: str, goal: str) -> list[str]:
    """Shortest list of actions (relq's TRANSITIONS) from `status` to `goal`; "reopened"
    means: to resolved, then reopen.  Reroute, reopen and customer_replied are not used to
    move forward."""
    from relq.cases.models import TRANSITIONS

    if goal == "reopened":
        return lifecycle_path(status, "resolved") + ["reopen"]
    moves = [
        t
        for t in TRANSITIONS.values()
        if t.action not in ("reroute", "reopen", "customer_replied", "decline")
    ]
    seen, todo = {status: []}, deque([status])
    while todo:
        s = todo.popleft()
        if s == goal:
            return seen[s]
        for t in moves:
            if s in t.sources and t.target not in seen:
                seen[t.target] = seen[s] + [t.action]
                todo.append(t.target)
    raise ValueError(f"no path from {status} to {goal}")


def goal_for(case: dict, rng: random.Random) -> str:
    if case["status"] == 1:
        return _weighted(rng, OPEN_MIX)
    if case["status"] == 2:
        return "reopened"
    return FINAL[case["status"]]


def plan_case(case: dict, rng: random.Random) -> dict:
    """The case's intake fields and its ordered steps, each ("note", kind, author, body, at)
    or ("move", action, who, department, reason, at); who = "operator" (the front line
    that took the case in) or "lead" (the responsible department's lead)."""
    from relq.cases.models import TRANSITIONS

    handoffs = [e for e in case["events"] if e["kind"] == "handoff"]
    first_queue = handoffs[0]["from_queue"] if handoffs else case["queue"]
    goal = goal_for(case, rng)
    goal_status = "in_progress" if goal == "reopened" else goal
    channel = _weighted(rng, CHANNEL_WEIGHTS)
    operator = case["assignee"] or dataset.AGENTS[(case["idx"] - 1) % len(dataset.AGENTS)]
    status, queue, steps, driven = "routed", first_queue, [], False

    def drive(at):
        nonlocal status
        for action in lifecycle_path(status, goal if not driven else goal_status):
            t = TRANSITIONS[action]
            who = "lead" if "owner" in t.sides else "operator"
            reason = REASONS.get(action, REOPEN_REASON) if t.needs_reason else ""
            steps.append(("move", action, who, None, reason, at))
            at = at + timedelta(minutes=30)
            status = t.target
        return at

    last = case["created"]
    for ev in case["events"]:
        last = ev["at"]
        if ev["kind"] in ("note", "reply"):
            kind = "internal" if ev["kind"] == "note" else "response"
            steps.append(("note", kind, ev["author"], ev["text"], ev["at"]))
        elif ev["kind"] == "handoff":
            if status in ("routed", "acknowledged") and ev["to_queue"] != queue:
                steps.append(("move", "reroute", "operator", ev["to_queue"], ev["text"], ev["at"]))
                status, queue = "routed", ev["to_queue"]
            else:
                steps.append(("note", "internal", ev["author"], ev["text"], ev["at"]))
        elif not driven:  # status change: walk the lifecycle to the final status
            last = drive(ev["at"])
            driven = True
        else:
            steps.append(("note", "internal", ev["author"], ev["text"], ev["at"]))
    if status != goal_status or not driven:
        drive(last + timedelta(hours=1))
    title = case["title"]
    return {
        "idx": case["idx"],
        "intake_token": f"dataset-{case['idx']:09d}",
        "kind": KIND_BY_QUEUE[first_queue],
        "channel": channel,
        "received_at": case["created"],
        "subject": title,
        "customer_words": case["description"],
        "product": title.split()[1] if len(title.split()) > 1 else "",
        "severity": min(case["priority"], 4),
        "first_queue": first_queue,
        "email": case["submitter_email"],
        "operator": operator,
        "steps": steps,
        "final_status": status,
        "final_queue": queue,
    }


# ---- organisation ---------------------------------------------------------------------------


def make_org():
    """Departments and users through relq's org services (actor=None: the command line)."""
    from sqlalchemy import select

    from relq.db import db, transaction
    from relq.org.models import Department, User
    from relq.org.services import DepartmentInput, UserInput, create_department, create_user

    with transaction():
        if db.session.scalar(select(Department.id).limit(1)) is not None:
            sys.exit("the database has departments already: seed a fresh one (seed.sh does)")
        depts = {}
        for slug, title in dataset.QUEUES:
            depts[slug] = create_department(
                DepartmentInput(slug, DEPARTMENT_NAMES_JA[slug], title, slug == CONTACT_QUEUE),
                actor=None,
            )
        contact = depts[CONTACT_QUEUE].id
        create_user(
            UserInput(BENCH_EMAIL, "Bench Operator", "operator", contact, "ja", BENCH_PASSWORD),
            actor=None,
        )
        for name in dataset.AGENTS:
            create_user(
                UserInput(f"{name}@example.com", name, "operator", contact, "ja", AGENT_PASSWORD),
                actor=None,
            )
        for slug, _title in dataset.QUEUES:
            create_user(
                UserInput(
                    f"lead-{slug}@example.com",
                    f"Lead {slug}",
                    "lead",
                    depts[slug].id,
                    "ja",
                    AGENT_PASSWORD,
                ),
                actor=None,
            )
    dept_ids = {slug: d.id for slug, d in depts.items()}
    users = {u.email: u.id for u in db.session.scalars(select(User))}
    return dept_ids, users


# ---- service mode -----------------------------------------------------------------------------


def seed_service(n: int, batch: int, progress) -> int:
    from relq.answers.services import answer_case
    from relq.cases.models import TRANSITIONS
    from relq.cases.services import CaseInput, CustomerInput, add_note, create_case, transition_case
    from relq.db import db, transaction, utcnow
    from relq.deadlines.calendar import OFFICE_TZ
    from relq.org.models import User

    today = utcnow().astimezone(OFFICE_TZ).date()

    dept_ids, user_ids = make_org()
    rng = random.Random(MAPPING_SEED)
    it = dataset.generate(n)
    done = rows = 0
    while done < n:
        k = min(batch, n - done)
        with transaction():
            # users once per batch (the commit expires them; their department is joined)
            agents = {a: db.session.get(User, user_ids[f"{a}@example.com"]) for a in dataset.AGENTS}
            leads = {
                q: db.session.get(User, user_ids[f"lead-{q}@example.com"])
                for q, _ in dataset.QUEUES
            }
            for _ in range(k):
                p = plan_case(next(it), rng)
                operator = agents[p["operator"]]
                case = create_case(
                    operator,
                    CaseInput(
                        intake_token=p["intake_token"],
                        kind=p["kind"],
                        channel=p["channel"],
                        received_at=p["received_at"],
                        subject=p["subject"],
                        customer_words=p["customer_words"],
                        product=p["product"],
                        severity=p["severity"],
                        responsible_department_id=dept_ids[p["first_queue"]],
                        customer=CustomerInput(email=p["email"]),
                    ),
                )
                queue = p["first_queue"]
                rows += 1
                for step in p["steps"]:
                    if step[0] == "note":
                        _, kind, author, body, _at = step
                        add_note(case, actor=agents[author], kind=kind, body=body)
                    else:
                        _, action, who, to_queue, reason, _at = step
                        actor = operator if who == "operator" else leads[queue]
                        answer = TRANSITIONS[action].answer
                        if answer:  # the owner's answer: its own use case
                            # (a planned date is never in the past, whenever the step was)
                            planned = max((_at + timedelta(days=PLAN_DAYS)).date(), today)
                            answer_case(
                                case,
                                actor=actor,
                                answer=answer,
                                expected_version=case.version,
                                body=reason,
                                planned_for=planned if answer == "planned" else None,
                            )
                        else:
                            transition_case(
                                case,
                                actor=actor,
                                action=action,
                                expected_version=case.version,
                                department_id=dept_ids[to_queue] if to_queue else None,
                                reason=reason,
                            )
                        if to_queue:
                            queue = to_queue
                    rows += 1
        done += k
        progress(done)
    return rows


# ---- bulk mode --------------------------------------------------------------------------------


def seed_bulk(n: int, batch: int, progress) -> int:
    from sqlalchemy import func, insert, select

    from relq.audit.models import AuditEvent
    from relq.cases.models import TRANSITIONS, Case, Customer, Note
    from relq.db import db, transaction

    dept_ids, user_ids = make_org()
    agents = {a: user_ids[f"{a}@example.com"] for a in dataset.AGENTS}
    leads = {q: user_ids[f"lead-{q}@example.com"] for q, _ in dataset.QUEUES}
    contact = dept_ids[CONTACT_QUEUE]
    rng = random.Random(MAPPING_SEED)
    it = dataset.generate(n)
    customers: dict[str, int] = {}
    # ids continue after what make_org wrote (its audit events)
    event_id = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
    note_id = db.session.scalar(select(func.coalesce(func.max(Note.id), 0)))
    db.session.rollback()
    done = rows = 0
    size = max(batch, 2000)
    while done < n:
        cases, custs, notes, events = [], [], [], []
        for _ in range(min(size, n - done)):
            p = plan_case(next(it), rng)
            cid = p["idx"]
            operator = agents[p["operator"]]
            created = p["received_at"] + timedelta(minutes=5)
            cust = customers.get(p["email"])
            if cust is None:
                cust = customers[p["email"]] = len(customers) + 1
                custs.append(
                    {
                        "id": cust,
                        "name": None,
                        "email": p["email"],
                        "phone": None,
                        "created_at": created,
                    }
                )
            queue, status, version, at = p["first_queue"], "routed", 1, created
            event_id += 1
            events.append(
                {
                    "id": event_id,
                    "at": created,
                    "actor_id": operator,
                    "action": "case.created",
                    "entity_type": "case",
                    "entity_id": cid,
                    "case_id": cid,
                    "before": None,
                    "after": {
                        "kind": p["kind"],
                        "channel": p["channel"],
                        "received_at": p["received_at"].isoformat(),
                        "product": p["product"],
                        "subject": p["subject"],
                        "customer_words": p["customer_words"],
                        "remedy_requested": "",
                        "severity": p["severity"],
                        "status": "routed",
                        "responsible_department_id": dept_ids[queue],
                    },
                }
            )
            for step in p["steps"]:
                event_id += 1
                if step[0] == "note":
                    _, kind, author, body, at = step
                    note_id += 1
                    notes.append(
                        {
                            "id": note_id,
                            "case_id": cid,
                            "kind": kind,
                            "body": body,
                            "author_id": agents[author],
                            "created_at": at,
                        }
                    )
                    events.append(
                        {
                            "id": event_id,
                            "at": at,
                            "actor_id": agents[author],
                            "action": "note.added",
                            "entity_type": "note",
                            "entity_id": note_id,
                            "case_id": cid,
                            "before": None,
                            "after": {"kind": kind},
                        }
                    )
                else:
                    _, action, who, to_queue, reason, at = step
                    actor = operator if who == "operator" else leads[queue]
                    before, after = {"status": status}, {"status": TRANSITIONS[action].target}
                    if to_queue:
                        before["responsible_department_id"] = dept_ids[queue]
                        after["responsible_department_id"] = dept_ids[to_queue]
                        queue = to_queue
                    if reason:
                        after["reason"] = reason
                    status, version = after["status"], version + 1
                    events.append(
                        {
                            "id": event_id,
                            "at": at,
                            "actor_id": actor,
                            "action": f"case.{action}",
                            "entity_type": "case",
                            "entity_id": cid,
                            "case_id": cid,
                            "before": before,
                            "after": after,
                        }
                    )
            cases.append(
                {
                    "id": cid,
                    "intake_token": p["intake_token"],
                    "kind": p["kind"],
                    "channel": p["channel"],
                    "received_at": p["received_at"],
                    "product": p["product"],
                    "subject": p["subject"],
                    "customer_words": p["customer_words"],
                    "remedy_requested": "",
                    "severity": p["severity"],
                    "status": status,
                    "intake_department_id": contact,
                    "responsible_department_id": dept_ids[queue],
                    "assignee_id": None,
                    "created_by_id": operator,
                    "customer_id": cust,
                    "created_at": created,
                    "updated_at": max(at, created),
                    "version": version,
                }
            )
        with transaction():
            if custs:
                db.session.execute(insert(Customer.__table__), custs)
            db.session.execute(insert(Case.__table__), cases)
            if notes:
                db.session.execute(insert(Note.__table__), notes)
            db.session.execute(insert(AuditEvent.__table__), events)
        rows += len(cases) + len(notes)
        done += len(cases)
        progress(done)
    with transaction():
        sync_sequences(db.session.connection())
    return rows


def sync_sequences(connection) -> None:
    """PostgreSQL: move each table's id sequence past the ids written explicitly (bulk and copy
    modes keep the data set's ids), so that the next intake does not collide with them."""
    if connection.dialect.name != "postgresql":
        return
    from relq.db import db

    for table in db.metadata.sorted_tables:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        seq = connection.exec_driver_sql(
            "SELECT pg_get_serial_sequence(%s, 'id')", (table.name,)
        ).scalar()
        if seq:
            connection.exec_driver_sql(
                f'SELECT setval(%s, (SELECT coalesce(max(id), 0) + 1 FROM "{table.name}"), false)',
                (seq,),
            )


# ---- copy mode --------------------------------------------------------------------------------


def copy_from(source_url: str, progress) -> int:
    """Every row of relq's tables (the models' metadata) from `source_url` into this app's
    database, which `flask relq init` has just made: its own default rows are replaced.
    Values pass through the models' column types (times, JSON), ids are kept."""
    from sqlalchemy import create_engine, select

    from relq.db import db

    source = create_engine(source_url)
    tables = db.metadata.sorted_tables
    total = rows = 0
    with source.connect() as src, db.engine.connect() as dst:
        if dst.dialect.name != "postgresql":
            sys.exit("--mode copy writes into PostgreSQL only")
        missing = [t.name for t in tables if not source.dialect.has_table(src, t.name)]
        if missing:
            sys.exit(f"the source has no table(s) {missing}: not the same schema")
        # Foreign keys are checked by triggers; the rows come from a consistent database,
        # and the cycles between tables (departments <-> users) need no insert order then.
        dst.exec_driver_sql("SET session_replication_role = replica")
        names = ", ".join(f'"{t.name}"' for t in tables)
        dst.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY")
        for table in tables:
            n = 0
            result = src.execution_options(yield_per=5000).execute(select(table))
            for chunk in result.mappings().partitions(5000):
                dst.execute(table.insert(), [dict(r) for r in chunk])
                n += len(chunk)
            if table.name == "cases":
                total = n
            rows += n
            print(f"  copy: {table.name}: {n:,} rows", file=sys.stderr, flush=True)
        dst.exec_driver_sql("SET session_replication_role = DEFAULT")
        sync_sequences(dst)
        dst.commit()
    source.dispose()
    progress(total)
    return rows


# ---- main -------------------------------------------------------------------------------------


def words_by_sql() -> int:
    """Every case's analysis as `done` with its search words made by PostgreSQL (see
    --words-by-sql); the generated `search_vector` and its GIN index follow. Returns the
    number of cases."""
    from sqlalchemy import text

    from relq.db import db

    if db.engine.dialect.name != "postgresql":
        raise SystemExit("--words-by-sql is for PostgreSQL")
    with db.engine.begin() as conn:
        return conn.execute(
            text(
                """
                INSERT INTO case_analyses (case_id, state, language, lemmas, keyphrases,
                    observation_keyphrases, search_text, attempts, requested_at, analysed_at)
                SELECT c.id, 'done', 'en', '', '[]', '[]',
                       trim(lower(regexp_replace(concat_ws(' ', c.subject, c.customer_words,
                           c.remedy_requested, c.product,
                           (SELECT string_agg(n.body, ' ') FROM notes n WHERE n.case_id = c.id)),
                           '[^[:alnum:]]+', ' ', 'g'))),
                       0, now(), now()
                FROM cases c
                ON CONFLICT (case_id) DO UPDATE SET state = 'done', language = 'en',
                    search_text = EXCLUDED.search_text, attempts = 0,
                    analysed_at = EXCLUDED.analysed_at
                """
            )
        ).rowcount


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--mode", choices=["service", "bulk", "copy"], default="service")
    ap.add_argument("--source", default=None, help="copy mode: the database URL to copy from")
    ap.add_argument("--batch", type=int, default=500, help="cases per transaction")
    ap.add_argument("--out", default=None, help="append the JSON result line here")
    ap.add_argument("--no-analyze", action="store_true", help="skip ANALYZE after loading")
    ap.add_argument(
        "--no-nlp", action="store_true", help="leave the cases' NLP analysis pending (no backfill)"
    )
    ap.add_argument("--nlp-processes", type=int, default=1, help="the backfill's processes (cores)")
    ap.add_argument(
        "--words-by-sql",
        action="store_true",
        help="PostgreSQL, for the 1M run: instead of the NLP backfill (about 30 min of both "
        "cores at 1M), write each case's search words in one SQL statement: its subject, "
        "words, remedy, product and notes lower-cased and split on anything not a letter or "
        "digit. English only (the data set's language); no lemmas, tags or key phrases. What "
        "search costs depends on the index's size and the hits, which this keeps.",
    )
    args = ap.parse_args()
    if (args.mode == "copy") != bool(args.source):
        ap.error("--source goes with --mode copy, and --mode copy needs it")

    from sqlalchemy import func, select

    from relq import create_app
    from relq.audit.models import AuditEvent
    from relq.cases.models import Case, Note
    from relq.db import db

    # Intake only queues each case's NLP analysis; with the production default ("thread") a
    # thread would analyse while the 500-case transactions hold SQLite's write lock. So the
    # cases go in with the queue "off" (they stay pending), and the product's own catch-up,
    # `flask relq nlp backfill` (relq.analysis.services.backfill), analyses them after.
    os.environ.setdefault("RELQ_ANALYSIS_QUEUE", "off")
    app = create_app()
    with app.app_context():
        t_start = time.perf_counter()
        last_print = [0.0]
        phase = [args.mode, 0.0, args.n]

        def progress(done: int) -> None:
            now = time.perf_counter()
            if done < phase[2] and now - last_print[0] < 5:
                return
            last_print[0] = now
            el = now - phase[1]
            rate = done / el if el else 0
            eta = (phase[2] - done) / rate if rate else 0
            print(
                f"  seed {phase[0]}: {done:>7,}/{phase[2]:,} cases  {rate:6.0f} cases/s  "
                f"elapsed {el:5.0f}s  eta {eta:5.0f}s",
                file=sys.stderr,
                flush=True,
            )

        own_pf: list[str] = []
        cpu_a, ru_a = load.cpu_snapshot(None, own_pf), resource.getrusage(resource.RUSAGE_SELF)
        t0 = phase[1] = time.perf_counter()
        if args.mode == "service":
            rows = seed_service(args.n, args.batch, progress)
        elif args.mode == "bulk":
            rows = seed_bulk(args.n, args.batch, progress)
        else:
            rows = copy_from(args.source, progress)
        intake_secs = time.perf_counter() - t0
        # the NLP analysis of every case (search's word index), as `flask relq nlp backfill`
        from relq import nlp
        from relq.analysis.models import CaseAnalysis
        from relq.analysis.services import backfill, waiting_case_ids

        t1 = time.perf_counter()
        analysis = {"done": 0, "failed": 0}
        if args.words_by_sql:
            analysis = {"done": words_by_sql(), "failed": 0}
        elif not args.no_nlp and args.mode != "copy":  # copy: the analyses came with the rows
            case_ids = waiting_case_ids(None)
            db.session.rollback()
            nlp.warm_up()
            done_box = [0]

            def nlp_progress(k: int) -> None:
                done_box[0] += k
                progress(done_box[0])

            phase[:] = ["analysis (backfill)", time.perf_counter(), len(case_ids)]
            if args.nlp_processes > 1:
                from relq.analysis.parallel import backfill_in_processes

                analysis = backfill_in_processes(
                    case_ids,
                    processes=args.nlp_processes,
                    database_url=str(db.engine.url.render_as_string(hide_password=False)),
                    progress=nlp_progress,
                )
            else:
                analysis = backfill(case_ids, progress=nlp_progress)
        analysis_secs = time.perf_counter() - t1
        secs = time.perf_counter() - t0
        cpu_b, ru_b = load.cpu_snapshot(None, own_pf), resource.getrusage(resource.RUSAGE_SELF)
        self_cpu = (ru_b.ru_utime + ru_b.ru_stime) - (ru_a.ru_utime + ru_a.ru_stime)
        dialect = db.engine.dialect.name
        res = {
            "system": "product",
            "db": dialect,
            "n": args.n,
            "mode": args.mode
            + (
                "+words-by-sql"
                if args.words_by_sql
                else ""
                if args.no_nlp or args.mode == "copy"
                else "+nlp-backfill"
            ),
            "nlp_processes": args.nlp_processes,
            "source": args.source,
            "batch": args.batch,
            "events": rows - args.n,
            # whole seed: intake through the services, then every case's NLP analysis
            "seconds": round(secs, 2),
            "cases_per_s": round(args.n / secs, 1),
            "rows_per_s": round(rows / secs, 1),
            "intake_seconds": round(intake_secs, 2),
            "intake_cases_per_s": round(args.n / intake_secs, 1),
            "intake_rows_per_s": round(rows / intake_secs, 1),
            "analysis_seconds": round(analysis_secs, 2),
            "analysis_cases_per_s": (
                round(analysis["done"] / analysis_secs, 1) if analysis["done"] else None
            ),
            "analysis_done": analysis["done"],
            "analysis_failed": analysis["failed"],
            "seed_process_cpu_s": round(self_cpu, 1),
            "db_server_cpu_s": None,
            "foreign_cpu_cores": round(load.foreign_cores(cpu_a, cpu_b, secs), 3),
            "cases_in_db": db.session.scalar(select(func.count(Case.id))),
            "notes_in_db": db.session.scalar(select(func.count(Note.id))),
            "audit_events_in_db": db.session.scalar(select(func.count(AuditEvent.id))),
            "analyses_done_in_db": db.session.scalar(
                select(func.count()).where(CaseAnalysis.state == "done")
            ),
            "listed_cases": db.session.scalar(
                select(func.count(Case.id)).where(Case.status != "closed")
            ),
        }
        db.session.remove()
        db.engine.dispose()
        if not args.no_analyze:
            # like the peer's seed.py: planner statistics, then fold the WAL into the file
            if dialect == "sqlite":  # outside relq's BEGIN-on-connect handling
                import sqlite3

                conn = sqlite3.connect(db.engine.url.database, isolation_level=None)
                conn.execute("ANALYZE")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.close()
            else:
                with db.engine.connect() as conn:
                    conn.exec_driver_sql("ANALYZE")
                    conn.commit()
        res["analyze"] = not args.no_analyze
        res["total_s"] = round(time.perf_counter() - t_start, 2)
    line = json.dumps(res)
    print(line)
    if args.out:
        with open(args.out, "a") as fh:
            fh.write(line + "\n")


if __name__ == "__main__":
    main()
