"""A hand-built week for the digest's tests: 2026-W18 (Monday 27 April to Sunday 3 May 2026),
which holds two national holidays (昭和の日 on 29 April, 憲法記念日 on 3 May) and the end of
April."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from relq.cases.models import OFFICE_TZ, Note
from relq.db import db
from relq.digest.week import IsoWeek
from tests.factories import make_case

WEEK = IsoWeek(2026, 18)


def tokyo(*args) -> datetime:
    return datetime(*args, tzinfo=OFFICE_TZ).astimezone(UTC)


def case_at(org, when, *, department=None, **fields):
    """A case received at `when` (words that raise no safety escalation by themselves)."""
    fields.setdefault("subject", "商品の到着が遅れている")
    fields.setdefault("customer_words", "注文した商品が予定日を過ぎても届きません。")
    return make_case(org.operator, department=department or org.qa, received_at=when, **fields)


def observation(case, author, body, when):
    note = Note(case_id=case.id, kind="observation", body=body, author_id=author.id)
    db.session.add(note)
    db.session.flush()
    note.created_at = when
    db.session.flush()
    return note


def weeks_before(week: IsoWeek, n: int) -> datetime:
    """Wednesday noon (Tokyo) of the week `n` weeks before `week`."""
    monday = week.previous(n).monday
    return tokyo(monday.year, monday.month, monday.day, 12) + timedelta(days=2)
