"""What relq's benchmarks share: the databases a run measures.

    for label, url in each_database(args.db, pg=args.pg, prefix="relq_csat_bench"):
        _report(label, run(url, args), args)

SQLite in a temporary directory; PostgreSQL in a database created for the run (named after the
prefix and the process) and dropped after it, even when the run fails.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def each_database(which: str, *, pg: str = DEFAULT_PG, prefix: str) -> Iterator[tuple[str, str]]:
    """("SQLite", url) and/or ("PostgreSQL", url) as `which` says: sqlite, postgresql or both."""
    if which in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            yield "SQLite", f"sqlite:///{folder}/relq.db"
    if which in ("postgresql", "both"):
        import psycopg

        admin = pg.replace("postgresql+psycopg://", "postgresql://")
        name = f"{prefix}_{os.getpid()}"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        try:
            yield "PostgreSQL", pg.rsplit("/", 1)[0] + f"/{name}"
        finally:
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bulk_insert(table_name: str, rows: list[dict]) -> None:
    """Rows straight to the driver, past the ORM and relq's services (a seed, not a use case):
    COPY on PostgreSQL, executemany on SQLite with datetimes in the naive UTC text SQLAlchemy
    stores there (an aware time converted to UTC first) and booleans as 0/1. Nothing to insert
    is nothing done."""
    from datetime import UTC, datetime

    from relq.db import db

    if not rows:
        return
    columns = list(rows[0])
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table_name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
        else:

            def value(v):
                if isinstance(v, datetime):
                    utc = v.astimezone(UTC) if v.tzinfo is not None else v
                    return utc.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
                return int(v) if isinstance(v, bool) else v

            cursor.execute("BEGIN")
            cursor.executemany(
                f"INSERT INTO {table_name} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})",
                [tuple(value(row[c]) for c in columns) for row in rows],
            )
        raw.commit()
    finally:
        raw.close()
