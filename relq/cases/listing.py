"""The case list as data: one page of plain rows and its count, for whoever shows cases in
bulk (the list page, the CSV export; the API and the weekly digest to come).

Every page starts from `filter_cases(user, filters)`, so from the viewer's scope. A page is
kept (relq.cache) while nothing it reads has changed: cases and what hangs on them, people and
departments, tags. Rows carry codes and UTC times; the template words and localises them.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, Engine, Select, func, select
from sqlalchemy.orm import aliased

from relq import access, nlp
from relq.cache import kept
from relq.cases.models import Case, parse_ref
from relq.cases.services import CaseFilters, count_limited, filter_cases
from relq.db import db, statement_key
from relq.deadlines.calendar import business_minutes_between
from relq.deadlines.models import CaseDeadline
from relq.escalations.triggers import REPEAT_CUSTOMER
from relq.org.models import Department, User

# What a page reads: cases (and everything of theirs), people and departments, tags (filters).
CASE_LIST_TOPICS = ("cases", "org", "tags")

_RESPONSIBLE = aliased(Department)
_ASSIGNEE = aliased(User)


class DeadlineState(NamedTuple):
    """How a row's next clock stands at a moment: `state` running, overdue or paused;
    `minutes` the business minutes past due (overdue only: the list says how late, and shows
    when the others are due)."""

    kind: str
    state: str
    minutes: int
    due_at: datetime


class CaseRow(NamedTuple):
    id: int
    received_at: datetime
    kind: str
    severity: int
    subject: str
    status: str
    channel: str
    department_ja: str | None
    department_en: str | None
    assignee: str | None
    version: int
    # The case's next clock (relq.deadlines): the open one due first, a paused one only when
    # every open clock is paused; None when no clock runs.
    clock_kind: str | None = None
    clock_due_at: datetime | None = None
    clock_paused_at: datetime | None = None

    @property
    def ref(self) -> str:
        return Case.ref.fget(self)

    def department(self, locale: str) -> str | None:
        return self.department_en if locale == "en" else self.department_ja

    def deadline(self, now: datetime) -> DeadlineState | None:
        """The next clock as it stands at `now` (a kept row is read at many moments)."""
        if self.clock_kind is None:
            return None
        due = self.clock_due_at
        if self.clock_paused_at is not None:
            return DeadlineState(self.clock_kind, "paused", 0, due)
        if due < now:
            late = business_minutes_between(due, now)
            return DeadlineState(self.clock_kind, "overdue", late, due)
        return DeadlineState(self.clock_kind, "running", 0, due)


@dataclass(frozen=True)
class CasePage:
    rows: tuple[CaseRow, ...]
    page: int
    per_page: int
    total: int  # counted up to a limit: see `exact`
    exact: bool

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total or (
            not self.exact and len(self.rows) == self.per_page
        )


def case_page(
    user: User, filters: CaseFilters, *, page: int, per_page: int, count_limit: int
) -> CasePage:
    """Page `page` (from 1) of the cases `user` may see that match `filters`, with their count
    (exact up to `count_limit`, then "more than")."""
    query = filter_cases(user, filters)

    def compute() -> CasePage:
        rows = tuple(_rows(query, offset=(page - 1) * per_page, limit=per_page))
        total, exact = count_limited(query, count_limit)
        return CasePage(rows, page, per_page, total, exact)

    # The statement names the viewer's scope and the filters: the same statement on the same
    # data is the same page, whoever asks.
    statement = statement_key(query)
    if statement is None:
        return compute()
    return kept(CASE_LIST_TOPICS, ("case-page", statement, page, per_page, count_limit), compute)


def _row_query(query: Select) -> Select:
    """`query` (cases, filtered and sorted) selecting a CaseRow's columns."""
    return (
        query.with_only_columns(
            Case.id,
            Case.received_at,
            Case.kind,
            Case.severity,
            Case.subject,
            Case.status,
            Case.channel,
            _RESPONSIBLE.name_ja,
            _RESPONSIBLE.name_en,
            _ASSIGNEE.name,
            Case.version,
            maintain_column_froms=False,
        )
        .outerjoin(_RESPONSIBLE, _RESPONSIBLE.id == Case.responsible_department_id)
        .outerjoin(_ASSIGNEE, _ASSIGNEE.id == Case.assignee_id)
    )


def _rows(query: Select, *, offset: int, limit: int) -> list[CaseRow]:
    if offset == 0:
        found = db.session.execute(_row_query(query).limit(limit)).all()
        return _with_clocks(found)
    # A deeper page: its ids first, from the cases alone (the default order's index holds what
    # the scopes and the default filter read), then the rows of those ids. Joined at once, the
    # OFFSET would skip whole joined rows: every skipped case read, its department and
    # assignee looked up (page 2,000 at 100k cases on SQLite: 60 ms of CPU).
    ids = db.session.scalars(query.with_only_columns(Case.id).limit(limit).offset(offset)).all()
    if not ids:
        return []
    by_id = {
        row[0]: row
        for row in db.session.execute(_row_query(select(Case).where(Case.id.in_(ids)))).all()
    }
    return _with_clocks([by_id[case_id] for case_id in ids if case_id in by_id])


def _with_clocks(found: list, connection: Connection | None = None) -> list[CaseRow]:
    """CaseRows of the selected rows, each with its next clock (one query for all of them)."""
    clocks = next_clocks([r[0] for r in found], connection)
    return [CaseRow(*r, *clocks.get(r[0], ())) for r in found]


_OPEN_CLOCKS = select(
    CaseDeadline.case_id, CaseDeadline.kind, CaseDeadline.due_at, CaseDeadline.paused_at
).where(CaseDeadline.met_at.is_(None), CaseDeadline.cancelled_at.is_(None))


def next_clocks(
    case_ids: list[int], connection: Connection | None = None
) -> dict[int, tuple[str, datetime, datetime | None]]:
    """Each case's next clock: (kind, due_at, paused_at) of the running clock due first, or,
    when all its open clocks are paused, of the paused one due first. The caller has scoped
    `case_ids` (through visible_cases)."""
    if not case_ids:
        return {}
    best: dict[int, tuple[bool, datetime, str, datetime | None]] = {}
    reader = connection if connection is not None else db.session
    rows = reader.execute(_OPEN_CLOCKS.where(CaseDeadline.case_id.in_(case_ids)))
    for case_id, kind, due_at, paused_at in rows:
        candidate = (paused_at is not None, due_at, kind, paused_at)
        if case_id not in best or candidate[:2] < best[case_id][:2]:
            best[case_id] = candidate
    return {case_id: (kind, due, paused) for case_id, (_p, due, kind, paused) in best.items()}


def export_query(user: User, filters: CaseFilters) -> Select:
    """The list's own statement for every case `user` may see that matches `filters`, in the
    list's order, selecting CaseRow's columns. Built (and so scoped) at once: it holds no
    ORM object, so it can be run later, by a streamed response."""
    return _row_query(filter_cases(user, filters))


def export_rows(query: Select, engine: Engine, *, batch: int = 1000) -> Iterator[CaseRow]:
    """The rows of `export_query(...)`, read on a connection of their own (a streamed
    response is read after its request has ended, so without the request's session) through
    one cursor `batch` rows at a time (a server-side cursor on PostgreSQL): memory does not
    grow with the number of cases. Each batch's clocks in one query."""
    with engine.connect() as connection:
        result = connection.execute(query.execution_options(yield_per=batch))
        for partition in result.partitions():
            yield from _with_clocks(partition, connection)


def count_matching(user: User, filters: CaseFilters) -> int:
    """How many cases `user` may see match `filters` (exactly)."""
    sub = filter_cases(user, filters).with_only_columns(Case.id).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(sub))


# ---- search hits --------------------------------------------------------------------------------


class Highlighter:
    """Marks a query's words in a text, as data: `parts(text)` is the text cut into
    (piece, is_hit) pairs that a template writes, escaping every piece and wrapping the hits
    in <mark> (no HTML is made here, so autoescaping holds for the customer's text)."""

    def __init__(self, terms: Iterable[str]):
        ordered = sorted({t for t in terms if t.strip()}, key=lambda t: (-len(t), t))
        # What it marks, as a value: a kept row drawn with these marks is the same row.
        self.key = tuple(ordered)
        self.pattern = (
            re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE) if ordered else None
        )

    def parts(self, text: str) -> list[tuple[str, bool]]:
        if self.pattern is None or not text:
            return [(text, False)]
        out: list[tuple[str, bool]] = []
        at = 0
        for hit in self.pattern.finditer(text):
            if hit.start() > at:
                out.append((text[at : hit.start()], False))
            out.append((hit.group(), True))
            at = hit.end()
        if at < len(text):
            out.append((text[at:], False))
        return out


def highlighter(query: str) -> Highlighter | None:
    """What to mark for the list's search `query`: the words typed and the words the search
    looked up (their dictionary forms: 返金したい marks 返金); None for no search or a case
    reference."""
    text = unicodedata.normalize("NFKC", query or "").strip()
    if not text or parse_ref(text) is not None:
        return None
    terms = set(text.split()[:8])
    with contextlib.suppress(nlp.NLPUnavailable):
        terms |= set(nlp.search_terms(text)[:8])
    return Highlighter(terms)


@dataclass(frozen=True)
class CustomerHistory:
    """The customer's other cases that the viewer may see, newest first (a few of them), and
    how many there are in all and within the repeat-customer window."""

    rows: tuple[CaseRow, ...]
    total: int
    recent: int
    window_days: int


def customer_history(user: User, case: Case, *, limit: int = 10) -> CustomerHistory | None:
    """What the case page shows of the customer's other cases; None for an anonymous case."""
    if case.customer_id is None:
        return None
    others = access.visible_cases(user).where(
        Case.customer_id == case.customer_id, Case.id != case.id
    )
    since = case.received_at - timedelta(days=REPEAT_CUSTOMER.days)
    # The counts ride on the rows as window aggregates (computed before the LIMIT): one
    # statement, not a count and then the rows.
    query = (
        _row_query(others.order_by(Case.received_at.desc(), Case.id.desc()))
        .add_columns(func.count().over(), func.count().filter(Case.received_at > since).over())
        .limit(limit)
    )
    found = db.session.execute(query).all()
    total, recent = (found[0][-2], found[0][-1]) if found else (0, 0)
    rows = _with_clocks([row[:-2] for row in found])
    return CustomerHistory(tuple(rows), total, recent, REPEAT_CUSTOMER.days)
