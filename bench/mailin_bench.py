"""E-mail intake's throughput: N Japanese e-mails in mixed encodings (ISO-2022-JP with NEC
characters, Shift_JIS/CP932, EUC-JP, UTF-8 base64 and quoted-printable, HTML-only, with and
without attachments, one in ten a reply to an earlier one) through `receive_message` (all
stored first, as a flood arrives) and then processed in batches as the worker does
(`relq.mailin.jobs.process_waiting`), with the cases' analysis deferred (RELQ_ANALYSIS_QUEUE
off). Goal: 50 messages/s or more, end to end.

    .venv/bin/python bench/mailin_bench.py                      # SQLite, a file of its own
    .venv/bin/python bench/mailin_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres

On PostgreSQL the URL names the server: the bench creates a database of its own beside it and
drops it at the end. The table gives the medians of the per-batch rates and the totals; the box
is shared, so read them beside the load average printed with them.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("RELQ_CONFIG", "production")
os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 40)
os.environ["RELQ_ANALYSIS_QUEUE"] = "off"

KINDS = (
    "iso2022jp_nec.eml",
    "shift_jis_cp932.eml",
    "euc_jp.eml",
    "utf8_base64.eml",
    "utf8_qp.eml",
    "html_only.eml",
    "flowed.eml",
    "alternative.eml",
    "attachments.eml",
    "split_subject.eml",
)


def messages(n: int, seed: int = 7) -> list[bytes]:
    """N distinct messages made from the test corpus's real-format ones: each with its own
    Message-ID and sender (2,000 customers), one in ten a reply to an earlier message."""
    from tests.mailin.make_corpus import corpus

    found = corpus()
    rng = random.Random(seed)
    made: list[bytes] = []
    for i in range(n):
        if i > 10 and i % 10 == 0:
            raw = found["reply_gmail_ja.eml"].replace(
                b"<utf8-b64@mail.example.jp>",
                f"<bench-{rng.randrange(i)}@mail.example.jp>".encode(),
            )
            raw = raw.replace(b"<reply-gmail@", f"<bench-{i}@".encode())
        else:
            name = KINDS[i % len(KINDS)]
            raw = found[name]
            key = name.removesuffix(".eml").replace("_", "-")
            key = {
                "iso2022jp-nec": "iso2022jp-nec",
                "shift-jis-cp932": "sjis-cp932",
                "utf8-base64": "utf8-b64",
                "utf8-qp": "utf8-qp",
            }.get(key, key)
            raw = raw.replace(f"<{key}@".encode(), f"<bench-{i}@".encode())
        made.append(
            raw.replace(b"customer@example.jp", f"c{rng.randrange(2000)}@example.jp".encode())
        )
    assert len({m.split(b"Message-ID: ")[1][:40] for m in made}) == n, "Message-IDs must differ"
    return made


def fresh_database(url: str | None) -> tuple[str, callable]:
    if not url or url.startswith("sqlite"):
        folder = tempfile.mkdtemp(prefix="relq-mailin-bench-")
        return f"sqlite:///{folder}/relq.db", lambda: None
    import psycopg

    admin = url.replace("postgresql+psycopg://", "postgresql://")
    name = f"relq_mailin_bench_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    base = url.rsplit("/", 1)[0]
    return f"{base}/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=None, help="SQLite (default) or a PostgreSQL server URL")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100, help="messages per transaction")
    parser.add_argument(
        "--pause-ms", type=int, default=0, help="pause between batches (the worker's default is 50)"
    )
    args = parser.parse_args()
    from flask_migrate import upgrade
    from tqdm import tqdm

    import config as settings
    from relq import create_app
    from relq.db import db, transaction
    from relq.org.services import DepartmentInput, UserInput, create_department, create_user

    url, drop = fresh_database(args.db)
    os.environ["DATABASE_URL"] = url  # production config wants it said
    try:

        class Config(settings.ProductionConfig):
            SQLALCHEMY_DATABASE_URI = settings.normalise_database_url(url)
            MAILIN_INTAKE_USER = "mail-intake@bench.example"
            MAILIN_BATCH_SIZE = args.batch
            MAILIN_BATCH_PAUSE_MS = args.pause_ms

        app = create_app(Config)
        with app.app_context():
            upgrade()
            with transaction():
                cs = create_department(
                    DepartmentInput("cs", "お客様相談室", "Customer desk", True), actor=None
                )
                create_user(
                    UserInput(
                        Config.MAILIN_INTAKE_USER,
                        "メール受付",
                        "operator",
                        cs.id,
                        "ja",
                        "bench-pass-123",
                    ),
                    actor=None,
                )
            raws = messages(args.messages)
            from relq.mailin.jobs import process_waiting
            from relq.mailin.models import InboundMessage
            from relq.mailin.services import receive_message

            started = time.perf_counter()
            store_rates = []
            with tqdm(total=len(raws), desc="store", unit="msg") as bar:
                for i in range(0, len(raws), 500):
                    t0 = time.perf_counter()
                    with transaction():
                        for raw in raws[i : i + 500]:
                            receive_message(raw, source="imap")
                    store_rates.append(len(raws[i : i + 500]) / (time.perf_counter() - t0))
                    bar.update(len(raws[i : i + 500]))
            stored_s = time.perf_counter() - started
            batch_rates = []
            last = [time.perf_counter()]

            def progress(handled: int) -> None:
                now = time.perf_counter()
                if handled:
                    batch_rates.append(handled / (now - last[0]))
                bar.update(handled)
                last[0] = now

            t0, cpu0 = time.perf_counter(), time.process_time()
            with tqdm(total=len(raws), desc="process", unit="msg") as bar:
                totals = process_waiting(progress=progress)
            processed_s = time.perf_counter() - t0
            processed_cpu = time.process_time() - cpu0
            total_s = time.perf_counter() - started
            left = db.session.scalar(
                db.select(db.func.count())
                .select_from(InboundMessage)
                .where(InboundMessage.status != "processed")
            )
            dialect = db.engine.dialect.name
            db.session.remove()
            db.engine.dispose()
        load = os.getloadavg()
        n = len(raws)
        print()
        print(
            f"E-mail intake, {n} messages, {dialect}, batch {args.batch}, pause "
            f"{args.pause_ms} ms; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
            f"on {os.cpu_count()} CPUs"
        )
        print(f"{'step':<28}{'median msg/s':>14}{'overall msg/s':>15}{'seconds':>10}")
        print(
            f"{'store (receive_message)':<28}{statistics.median(store_rates):>14.0f}"
            f"{n / stored_s:>15.0f}{stored_s:>10.1f}"
        )
        print(
            f"{'process (cases and notes)':<28}{statistics.median(batch_rates):>14.0f}"
            f"{n / processed_s:>15.0f}{processed_s:>10.1f}"
        )
        print(f"{'end to end':<28}{'':>14}{n / total_s:>15.0f}{total_s:>10.1f}")
        # On a busy box wall-clock rates mostly say how busy it was: the CPU this process
        # spent says what the work costs (the database server's own CPU is not in it).
        print(
            f"processing cost {1000 * processed_cpu / n:.1f} ms of this process's CPU a "
            f"message ({n / processed_cpu:.0f} msg per CPU-second)"
        )
        print(
            f"outcomes: {totals}; not processed: {left}; goal 50 msg/s end to end: "
            f"{'met' if n / total_s >= 50 else 'NOT met'}"
        )
    finally:
        drop()


if __name__ == "__main__":
    main()
