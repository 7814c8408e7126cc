"""Caches as named topics, true on every process and machine at once.

A cached read names the topics its data comes from (`kept(("org",), key, compute)` or the
`@cached("org")` decorator); the value is kept in this process together with the versions
those topics had when it was computed, and reused only while they are unchanged.

The versions live in the database (`cache_topics`: a topic, a random token). Every INSERT,
UPDATE or DELETE that SQLAlchemy executes on a table (ORM flushes and Core statements alike)
marks the table's topic, and the transaction replaces the topic's token just before it commits
(`_bump_topics`), in the same transaction as the change. So a change committed by any process
on any machine is seen by the very next transaction that reads the versions, and a rolled-back
change bumps nothing. Reading the versions is one query of a few rows per transaction, made
only when a cached read is asked for. Nothing here rests on a time-to-live.

Tokens are random rather than counters, so that a database emptied and filled again (tests
truncate tables between runs) never repeats a token a process still holds.

Tables map to topics in TABLE_TOPICS; any other table belongs to the "cases" topic (the
front line's work: cases, notes, clocks, answers, notifications...), except those in
UNCACHED_TABLES, which no cached read depends on. Raw SQL text (`text()`, exec_driver_sql)
is not seen: a write through raw SQL must call `invalidate()` itself.
"""

from __future__ import annotations

import functools
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Engine, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.dml import Delete, Insert, Update

from relq.db import db

T = TypeVar("T")

# Topics of the tables that admins change and busy pages read. Every other table is "cases".
TABLE_TOPICS: dict[str, str] = {
    "departments": "org",
    "users": "org",
    "tags": "tags",
    "routing_rules": "routing",
    "deadline_policies": "deadlines",
    "learned_models": "models",
    "saved_views": "saved_views",
    # Handoffs between departments: the map and the scorecards read them, the case list not.
    "handoffs": "handoffs",
    "handoff_messages": "handoffs",
    "handoff_policies": "handoffs",
}
# Tables no cached read depends on: writing them (every login, every audit event) need not
# throw anything away.
UNCACHED_TABLES = frozenset(
    {
        "cache_topics",
        "audit_events",
        "login_sessions",
        "login_failures",
        "alembic_version",
        "clock_runs",
        # Bookkeeping of the API (a rate counter written by every API request, a token's last
        # use), the personal-data read log (every case page that shows a customer) and the
        # management review's stored PDFs: counted under "cases", each would throw away every
        # kept case page at every API call or page view.
        "api_rate_windows",
        "api_tokens",
        "personal_data_reads",
        "review_documents",
    }
)
TOPICS = frozenset({*TABLE_TOPICS.values(), "cases"})

MAX_ENTRIES = 4096  # per process; evicting an entry costs a recomputation, never correctness

_DIRTY = "relq_dirty_topics"  # on a DBAPI connection's info: topics written, not yet committed
_VERSIONS = "relq_topic_versions"  # on a Session's info: the versions this transaction read


class CacheTopic(db.Model):
    """The current version of one cache topic: a random token replaced by every write."""

    __tablename__ = "cache_topics"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)


def topic_of(table: str) -> str | None:
    if table in UNCACHED_TABLES:
        return None
    return TABLE_TOPICS.get(table, "cases")


# ---- writes mark their topics -----------------------------------------------------------------


def watch(engine: Engine) -> None:
    """Mark the topics of every DML statement this engine executes (see the module's doc)."""

    @event.listens_for(engine, "before_execute")
    def _mark(connection, statement, _multiparams, _params, _options) -> None:
        if isinstance(statement, Insert | Update | Delete):
            topic = topic_of(statement.table.name)
            if topic is not None:
                connection.info.setdefault(_DIRTY, set()).add(topic)

    @event.listens_for(engine, "rollback")
    def _forget(connection) -> None:
        connection.info.pop(_DIRTY, None)

    @event.listens_for(engine, "commit")
    def _committed(connection) -> None:
        # Bumped in before_commit already (a session's commit); a Connection committed
        # without a session has nobody to bump for it, and must call invalidate() itself.
        connection.info.pop(_DIRTY, None)


def _check_topics(topics: tuple[str, ...]) -> None:
    unknown = set(topics) - TOPICS
    if unknown:
        raise ValueError(f"unknown cache topics: {sorted(unknown)}")


def invalidate(*topics: str) -> None:
    """Mark topics as changed by the current transaction (for writes SQLAlchemy cannot see)."""
    _check_topics(topics)
    db.session.connection().info.setdefault(_DIRTY, set()).update(topics)


def _dirty(session: Session) -> set[str]:
    if not session.in_transaction():
        return set()
    return session.connection().info.get(_DIRTY) or set()


def _pending(session: Session) -> set[str]:
    """Topics of the changes made to objects and not yet flushed."""
    objects = [*session.new, *session.deleted, *session.dirty]
    return {topic_of(o.__table__.name) for o in objects} - {None}


@event.listens_for(Session, "before_commit")
def _bump_topics(session: Session) -> None:
    # Only the outermost commit: a savepoint's release commits nothing yet, and bumping there
    # would hold the topic's row lock (PostgreSQL) for the rest of the transaction.
    if not session.in_transaction() or session.in_nested_transaction():
        return
    session.flush()  # the commit's own flush comes after this hook: its writes count too
    connection = session.connection()
    topics = connection.info.pop(_DIRTY, None)
    if not topics:
        return
    # A new token per topic, upserted in the transaction that made the change. Sorted, so that
    # two transactions bumping the same topics take the row locks in the same order.
    table = CacheTopic.__table__
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # One statement for all of them (a round trip each would be paid by every write).
    statement = insert(table).values(
        [{"name": topic, "version": _token()} for topic in sorted(topics)]
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.name], set_={"version": statement.excluded.version}
        )
    )


@event.listens_for(Session, "after_transaction_end")
def _forget_versions(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_VERSIONS, None)


def _token() -> int:
    return secrets.randbits(62)


# ---- reads name their topics ------------------------------------------------------------------


def versions() -> dict[str, int]:
    """Each topic's version as this transaction sees it (read once per transaction)."""
    session = db.session()
    found = session.info.get(_VERSIONS)
    if found is None:
        found = dict(session.execute(select(CacheTopic.name, CacheTopic.version)).all())
        session.info[_VERSIONS] = found
    return found


_entries: OrderedDict[Hashable, tuple[tuple, Any]] = OrderedDict()
_lock = threading.Lock()


def kept(topics: tuple[str, ...], key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`'s result for `key`, kept while `topics` are unchanged in the database.

    `key` names everything else the result depends on (arguments, the viewer's language...);
    the database is part of the key, so one process serving two databases (tests) never mixes
    them. The result is shared between requests: it must be plain data (tuples, strings,
    frozen dataclasses), never ORM objects, and callers must not change it. Inside a
    transaction that has itself written one of `topics`, the result is computed and not kept
    (it may hold uncommitted work)."""
    session = db.session()
    if (_dirty(session) | _pending(session)) & set(topics):
        return compute()
    current = versions()
    state = tuple(current.get(t) for t in topics)
    full_key = (str(db.engine.url), topics, key)
    hit = _entries.get(full_key)
    if hit is not None and hit[0] == state:
        return hit[1]
    value = compute()
    with _lock:
        _entries[full_key] = (state, value)
        _entries.move_to_end(full_key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def cached(*topics: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorator: the function's result per arguments, kept while `topics` are unchanged."""
    _check_topics(topics)

    def decorate(function: Callable[..., T]) -> Callable[..., T]:
        name = f"{function.__module__}.{function.__qualname__}"

        @functools.wraps(function)
        def wrapper(*args: Hashable) -> T:
            return kept(topics, (name, args), lambda: function(*args))

        return wrapper

    return decorate


def forget_all() -> None:
    """Empty this process's entries (never needed for correctness: for memory in tests)."""
    with _lock:
        _entries.clear()
