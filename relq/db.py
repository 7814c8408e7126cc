"""The database: one SQLAlchemy object, portable types, and the one way to write.

SQLite is the embedded default. Its connections run in WAL mode with foreign keys on and a
busy timeout, and pysqlite's own transaction handling is switched off so that we emit BEGIN
ourselves: `transaction()` starts with BEGIN IMMEDIATE, taking the write lock before the
first read. Two requests that read then write therefore queue on the lock instead of one
failing with SQLITE_BUSY at its first write (a deferred transaction cannot wait for a lock
it would need to upgrade).
"""

from __future__ import annotations

import fcntl
import os
import statistics
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Engine, Float, MetaData, event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

# Named constraints: Alembic can then drop and alter them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

WRITE_OPTION = "relq_write"
_sqlite_write_lock = threading.RLock()


def is_model_object(name: str | None, type_: str, *_args) -> bool:
    """For Alembic's comparisons: objects the models describe, not those migrations make by
    hand (the FTS5 search table and its shadow tables, PostgreSQL's word vector and index)."""
    return not (name or "").startswith(("case_search", "ix_case_analyses_search", "search_vector"))


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every database (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class median(FunctionElement):  # noqa: N801 (an SQL function, named as SQL names them)
    """The median of a column, as an aggregate: `select(key, median(Handoff.turnaround_minutes))
    .group_by(key)`. PostgreSQL has it as `percentile_cont(0.5) WITHIN GROUP (ORDER BY x)`;
    SQLite has none, so every SQLite connection gets `relq_median(x)`, an aggregate in Python
    (_SQLiteMedian). One pass over the rows, beside the other aggregates of the same GROUP BY:
    at 1M handoffs it replaced a window-function median (row_number() and count() over each
    group, sorted) that cost more than the rest of the relationship map together
    (bench/README.md, "Relationship map"). NULLs are skipped; an empty group gives NULL."""

    type = Float()
    inherit_cache = True
    name = "median"


@compiles(median)
def _median_sqlite(element, compiler, **kw) -> str:
    return f"relq_median({compiler.process(element.clauses, **kw)})"


@compiles(median, "postgresql")
def _median_postgresql(element, compiler, **kw) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {column})"


class _SQLiteMedian:
    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return float(statistics.median(self.values)) if self.values else None


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # Checkpoint the WAL every ~40 MB instead of every ~4 MB: the commit that happens to
        # run a checkpoint waits for it, so ten times fewer of them (each larger) keep intake's
        # slow tail down (bench/README.md); readers do not notice the longer WAL.
        cursor.execute("PRAGMA wal_autocheckpoint = 10000")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()
        dbapi_connection.create_aggregate("relq_median", 1, _SQLiteMedian)

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _postgresql_options(app: Flask) -> None:
    """psycopg prepares a statement run five times on a connection, and PostgreSQL then plans
    it once for all parameters (a generic plan). The same search or filter query serves words
    and filters of very different selectivity: the plan made for a rare word walked every case
    for a common one (a count of 50 ms became 300 ms, bench/README.md). Plan each execution for
    its own values; the statement is still parsed once."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("options", "-c plan_cache_mode=force_custom_plan")
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def init_db(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        _postgresql_options(app)
    db.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def statement_key(statement) -> Hashable | None:
    """A hashable name of a SQLAlchemy statement with its parameter values (None when the
    statement cannot be cached): SQLAlchemy's own cache key, which it memoises on the
    statement object and needs to execute it anyway."""
    found = statement._generate_cache_key()
    if found is None:
        return None
    values = []
    for parameter in found.bindparams:
        value = parameter.effective_value
        values.append(tuple(value) if isinstance(value, list) else value)
    return (found.key, tuple(values))


def transaction_cache(key: str, load: Callable[[], Any]) -> Any:
    """`load()` once per database transaction: for data read again and again inside one unit of
    work (the tag list, while a batch of cases is analysed), never across two."""
    info = db.session().info.setdefault("transaction_cache", {})
    if key not in info:
        info[key] = load()
    return info[key]


@event.listens_for(Session, "after_transaction_end")
def _forget_transaction_cache(session, transaction) -> None:
    # Only when the outermost transaction ends: every flush runs in a subtransaction of its own.
    if transaction.parent is None:
        session.info.pop("transaction_cache", None)


def refresh_planner_statistics(force: bool = False) -> bool:
    """SQLite plans from the statistics ANALYZE leaves; without them it sorts every open case
    to show the first 25 (it cannot know that walking the received_at index is cheaper).
    Analyse when the cases table has never been analysed or has grown or shrunk by a quarter
    since. PostgreSQL's autovacuum does this by itself. Returns whether it analysed."""
    if db.engine.dialect.name != "sqlite":
        return False
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT count(*) FROM cases").scalar()
        stat = None
        if connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).scalar():
            stat = connection.exec_driver_sql(
                "SELECT stat FROM sqlite_stat1 WHERE tbl = 'cases' LIMIT 1"
            ).scalar()
        known = int(stat.split()[0]) if stat else None
        if not force and known is not None and abs(rows - known) <= 0.25 * max(known, 1000):
            return False
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    return True


def after_commit(callback: Callable[[], None], *, key: Hashable | None = None) -> None:
    """Run `callback` once the current `transaction()` has committed (never if it rolls back):
    work that must only start from what is really saved, such as queueing a case's analysis.
    With `key`, a second callback with the same key in the same transaction is dropped."""
    info = db.session().info
    if key is not None:
        keys = info.setdefault("after_commit_keys", set())
        if key in keys:
            return
        keys.add(key)
    info.setdefault("after_commit", []).append(callback)


_writer_files: dict[str, tuple[int, int]] = {}  # lock file -> (pid, its file descriptor)
_writer_depth = 0


def sqlite_side_file(engine: Engine, suffix: str) -> str | None:
    """A file beside a SQLite database file, for locks other processes see (None for a
    database in memory, which no other process can open)."""
    path = engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return f"{path}-{suffix}"


@contextmanager
def _sqlite_writer(engine: Engine) -> Iterator[None]:
    """The right to write to a SQLite database, taken before BEGIN IMMEDIATE: threads of this
    process queue on a lock, processes (gunicorn's workers, the CLI) on an flock() of a file
    next to the database, which wakes the next writer the moment the lock is freed. Programs
    that do not take it (the sqlite3 shell) still meet SQLite's own busy handler."""
    global _writer_depth
    with _sqlite_write_lock:
        path = sqlite_side_file(engine, "writer.lock")
        fd = None
        if _writer_depth == 0 and path is not None:
            pid, fd = _writer_files.get(path, (None, None))
            if pid != os.getpid():  # opened before a fork: the file description is shared
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                _writer_files[path] = (os.getpid(), fd)
            fcntl.flock(fd, fcntl.LOCK_EX)
        _writer_depth += 1
        try:
            yield
        finally:
            _writer_depth -= 1
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def transaction() -> Iterator[None]:
    """The one unit of work of a request or command: commit on success, roll back on error.

    Any read transaction still open is ended first, so that what the services read next is
    read inside the write transaction (objects loaded earlier are refreshed on access).
    """
    session = db.session()  # the request's own Session, not the scoped proxy
    if session.in_transaction():
        session.rollback()
    session.info.pop("after_commit", None)
    session.info.pop("after_commit_keys", None)
    # SQLite has one writer at a time. Writers queue on a lock here instead of in SQLite's busy
    # handler, which sleeps in steps (up to 100 ms) longer than the lock is held: see
    # _sqlite_writer.
    engine = db.engine
    local_lock = _sqlite_writer(engine) if engine.dialect.name == "sqlite" else nullcontext()
    with local_lock:
        session.connection(execution_options={WRITE_OPTION: True})
        try:
            yield
            session.commit()
        except BaseException:
            session.rollback()
            session.info.pop("after_commit", None)
            session.info.pop("after_commit_keys", None)
            raise
    session.info.pop("after_commit_keys", None)
    for callback in session.info.pop("after_commit", []):
        callback()
