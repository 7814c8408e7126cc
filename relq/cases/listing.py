"""The case list as data: one page of plain rows and its count, for whoever shows cases in
bulk (the list page; the CSV export, the API and the weekly digest to come).

Every page starts from `filter_cases(user, filters)`, so from the viewer's scope. A page is
kept (relq.cache) while nothing it reads has changed: cases and what hangs on them, people and
departments, tags. Rows carry codes and UTC times; the template words and localises them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from relq import access
from relq.cache import kept
from relq.cases.models import Case
from relq.cases.services import CaseFilters, count_limited, filter_cases
from relq.db import db, statement_key
from relq.escalations.triggers import REPEAT_CUSTOMER
from relq.org.models import Department, User

# What a page reads: cases (and everything of theirs), people and departments, tags (filters).
CASE_LIST_TOPICS = ("cases", "org", "tags")

_RESPONSIBLE = aliased(Department)
_ASSIGNEE = aliased(User)


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

    @property
    def ref(self) -> str:
        return Case.ref.fget(self)

    def department(self, locale: str) -> str | None:
        return self.department_en if locale == "en" else self.department_ja


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


def _rows(query: Select, *, offset: int, limit: int) -> list[CaseRow]:
    page_query = (
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
            maintain_column_froms=False,
        )
        .outerjoin(_RESPONSIBLE, _RESPONSIBLE.id == Case.responsible_department_id)
        .outerjoin(_ASSIGNEE, _ASSIGNEE.id == Case.assignee_id)
        .limit(limit)
        .offset(offset)
    )
    return [CaseRow(*r) for r in db.session.execute(page_query)]


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
    dates = others.with_only_columns(Case.received_at).subquery()
    total, recent = db.session.execute(
        select(func.count(), func.count().filter(dates.c.received_at > since)).select_from(dates)
    ).one()
    rows = _rows(others.order_by(Case.received_at.desc(), Case.id.desc()), offset=0, limit=limit)
    return CustomerHistory(tuple(rows), total, recent, REPEAT_CUSTOMER.days)
