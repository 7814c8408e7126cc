"""History import (`flask relq import`, relq/history): cases per second from a Zendesk-style
CSV export in CP932 (Excel's Japanese CSV) to committed cases, analysis deferred. The issue's
goal: >= 300 cases/s on SQLite and on PostgreSQL.

The rows are the demo corpus's realistic cases (mostly Japanese, some English; products,
customers who write again, notes left out), written as Zendesk exports them: Id, Subject,
Description, Status, Group (the department's Japanese name), Tags (the starter list's codes
plus tags relq does not have), Created at, Solved at, Requester, Requester email, Priority,
Via, Type. The database is made fresh for the run (a temporary SQLite file, or a PostgreSQL
database created and dropped by this script) with the starter tags and the demo organisation.
The command's own steps are timed: read and decode the file, check every row, import them all
in one transaction (commit included).

    .venv/bin/python bench/import_bench.py                      # SQLite, 20,000 rows
    .venv/bin/python bench/import_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/relq_bench_import
    .venv/bin/python bench/import_bench.py --rows 5000 --json out.json
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RELQ_CONFIG", "test")

COLUMNS = [
    "Id",
    "Subject",
    "Description",
    "Status",
    "Group",
    "Tags",
    "Created at",
    "Solved at",
    "Requester",
    "Requester email",
    "Priority",
    "Via",
    "Type",
]
ZENDESK_STATUS = {
    "received": "new",
    "routed": "new",
    "acknowledged": "open",
    "in_progress": "open",
    "awaiting_customer": "pending",
    "resolved": "solved",
    "closed": "closed",
}
PRIORITY = {1: "urgent", 2: "high", 3: "normal", 4: "low"}
VIA = {
    "phone": "Phone call (incoming)",
    "email": "Mail",
    "web": "Web form",
    "letter": "Letter",
    "visit": "Visit",
    "social": "Twitter",
}
TYPE = {"inquiry": "question", "complaint": "incident", "request": "task", "compliment": ""}


def export_csv(n: int) -> bytes:
    """`n` demo cases as a Zendesk CSV export in CP932 (characters CP932 lacks become '?',
    as Excel writes them)."""
    from relq.demo.corpus import DEPARTMENTS, generate_cases
    from relq.demo.loader import THEME_TAGS

    names = {d["code"]: d["name_ja"] for d in DEPARTMENTS}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    now = datetime.now(UTC) - timedelta(days=1)
    for i, item in enumerate(generate_cases(n, now=now), start=1):
        received = item["received_at"].astimezone(UTC)
        solved = ""
        if item["status"] in ("resolved", "closed"):
            solved = (received + timedelta(hours=5 + i % 70)).strftime("%Y-%m-%dT%H:%M:%SZ")
        customer = item.get("customer") or {}
        tag = THEME_TAGS.get(item.get("theme")) or ""
        noise = ("vip", "phone_follow_up", "")[i % 3]
        writer.writerow(
            [
                100000 + i,
                item["subject"],
                item["customer_words"],
                ZENDESK_STATUS[item["status"]],
                names.get(item.get("department") or "", ""),
                " ".join(t for t in (tag, noise) if t),
                received.strftime("%Y-%m-%dT%H:%M:%SZ"),
                solved,
                customer.get("name") or "",
                customer.get("email") or "",
                PRIORITY[item["severity"]],
                VIA[item["channel"]],
                TYPE[item["kind"]],
            ]
        )
    return out.getvalue().encode("cp932", errors="replace")


def _app(url: str):
    from relq import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "ANALYSIS_QUEUE": "off"})


def _admin_url(url: str) -> tuple[str, str]:
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    return admin, name


def prepare(url: str) -> None:
    """A fresh schema with the starter tags and the demo organisation."""
    if url.startswith("postgresql"):
        import psycopg

        admin, name = _admin_url(url)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    from flask_migrate import upgrade

    app = _app(url)
    with app.app_context():
        from relq.db import db, transaction
        from relq.demo.loader import load_demo_organisation
        from relq.tags.services import seed_default_tags

        upgrade()
        with transaction():
            seed_default_tags()
            load_demo_organisation("bench-pass-123")
        db.engine.dispose()


def drop(url: str) -> None:
    if url.startswith("postgresql"):
        import psycopg

        admin, name = _admin_url(url)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_import(url: str, path: Path) -> dict:
    """The steps of `flask relq import FILE`, timed."""
    app = _app(url)
    with app.app_context():
        from sqlalchemy import func, select

        from relq.analysis.models import CaseAnalysis
        from relq.cases.models import Case
        from relq.db import db, transaction
        from relq.history.formats import decode, detect_preset, read_records
        from relq.history.services import check_history, import_history
        from relq.org.models import User

        admin = db.session.scalar(select(User).where(User.role == "admin").limit(1))
        started = time.perf_counter()
        text, encoding = decode(path.read_bytes())
        columns, records = read_records(text, path.name)
        mapping = detect_preset(columns)
        read = time.perf_counter()
        with click.progressbar(length=len(records), label="Checking rows", file=sys.stderr) as bar:
            check = check_history(columns, records, mapping, actor=admin, progress=bar.update)
        checked = time.perf_counter()
        if check.errors:
            raise SystemExit(f"{len(check.errors)} row errors, e.g. {check.errors[0]}")
        db.session.rollback()
        with click.progressbar(
            length=len(check.cases), label="Importing cases", file=sys.stderr
        ) as bar:
            with transaction():
                admin = db.session.get(User, admin.id)
                ids = import_history(check, mapping, actor=admin, progress=bar.update)
        imported = time.perf_counter()
        cases = db.session.scalar(select(func.count(Case.id)))
        pending = db.session.scalar(
            select(func.count()).select_from(CaseAnalysis).where(CaseAnalysis.state == "pending")
        )
        db.engine.dispose()
    n = len(ids)
    return {
        "db": url.split(":", 1)[0],
        "rows": len(records),
        "encoding": encoding,
        "imported": n,
        "cases_in_db": cases,
        "analysis_pending": pending,
        "skipped_tag_values": sum(check.skipped_tags.values()),
        "read_s": round(read - started, 2),
        "check_s": round(checked - read, 2),
        "import_s": round(imported - checked, 2),
        "total_s": round(imported - started, 2),
        "cases_per_s": round(n / (imported - started), 1),
        "import_only_cases_per_s": round(n / (imported - checked), 1),
        "load_1min": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="", help="a PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="relq-import-"))
    url = args.db or f"sqlite:///{workdir}/relq.db"
    path = workdir / "zendesk-export.csv"
    path.write_bytes(export_csv(args.rows))
    prepare(url)
    try:
        result = run_import(url, path)
    finally:
        drop(url)
    result["file_mb"] = round(path.stat().st_size / 1e6, 1)
    print(json.dumps(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
