"""Four processes write to one database (one SQLite file, or PostgreSQL) at once: no error,
no lost row.

Each process logs cases (insert) and adds notes to one shared case after reading it
(read-then-write): BEGIN IMMEDIATE makes them queue instead of failing with SQLITE_BUSY.
"""

from __future__ import annotations

import multiprocessing

import sqlalchemy as sa

from relq.audit.models import AuditEvent
from relq.cases.models import Case, Note
from relq.db import db
from tests.factories import make_case

PROCESSES, CASES_EACH = 4, 15


def _writer(url: str, operator_id: int, shared_case_id: int, queue) -> None:
    try:
        from relq.access import get_case_or_404
        from relq.cases.services import add_note
        from relq.db import db, transaction
        from relq.org.models import User
        from tests.conftest import _test_app
        from tests.factories import make_case

        app = _test_app(url)
        with app.app_context():
            for i in range(CASES_EACH):
                with transaction():
                    operator = db.session.get(User, operator_id)
                    make_case(operator, subject=f"並行書き込み {i}")
                with transaction():
                    operator = db.session.get(User, operator_id)
                    case = get_case_or_404(shared_case_id, operator)
                    add_note(case, actor=operator, kind="internal", body=f"note {i}")
        queue.put("ok")
    except Exception as error:  # reported to the parent, which fails the test
        queue.put(repr(error))


def test_four_processes_write_concurrently(org, db_url, database):
    shared = make_case(org.operator, department=org.qa)
    db.session.commit()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [
        context.Process(target=_writer, args=(db_url, org.operator.id, shared.id, queue))
        for _ in range(PROCESSES)
    ]
    for w in workers:
        w.start()
    results = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    assert results == ["ok"] * PROCESSES
    db.session.rollback()  # a fresh snapshot: see what the processes committed
    count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
    assert count(Case) == 1 + PROCESSES * CASES_EACH
    assert count(Note) == PROCESSES * CASES_EACH
    notes_events = db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.action == "note.added")
    )
    assert notes_events == PROCESSES * CASES_EACH
    if database[0] == "sqlite":
        assert db.session.scalar(sa.text("PRAGMA journal_mode")) == "wal"
