"""What one section of the digest is asked for: the week, the scope and the case condition.

A digest is built once per scope, not per reader, so its case condition does not depend on
who reads it: the company's digest counts every case; a department's counts the cases the
department took in or is responsible for (what its lead sees in relq.access.case_scope, without
the lead). A department digest therefore shows only that department's cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement

from relq.access import case_scope
from relq.cases.models import Case
from relq.digest.week import IsoWeek
from relq.org.models import User

# How many weeks before the digest's week its volumes are compared with (their mean).
BASELINE_WEEKS = 4


@dataclass(frozen=True)
class DigestScope:
    week: IsoWeek
    department_id: int | None = None

    @property
    def start(self) -> datetime:
        return self.week.bounds()[0]

    @property
    def end(self) -> datetime:
        return self.week.bounds()[1]

    @property
    def is_company(self) -> bool:
        return self.department_id is None

    def reader(self) -> User:
        """Who the digest is read as, whoever reads it: any executive for the company, the
        department's lead for a department. A transient user (never added to the session), so
        that the sections reuse the scoped services (relq.access) instead of copying them."""
        if self.department_id is None:
            return User(id=0, role="executive", is_active=True, department_id=None)
        return User(id=0, role="lead", is_active=True, department_id=self.department_id)

    def cases(self) -> ColumnElement[bool]:
        """The condition on Case of this scope (any week): relq.access.case_scope of its
        reader, the one door to cases."""
        return case_scope(self.reader())

    def received_in(self, week: IsoWeek | None = None) -> ColumnElement[bool]:
        start, end = (week or self.week).bounds()
        return (Case.received_at >= start) & (Case.received_at < end)


def week_bucket(column, week: IsoWeek, before: int) -> tuple[object, datetime]:
    """A CASE expression numbering `column`'s moment: 0..6 the day of `week` (Tokyo), -1..-before
    the weeks before it; and the earliest moment counted. Rows outside are to be filtered out
    by the caller (column >= that moment, < the week's end)."""
    from datetime import UTC
    from datetime import datetime as dt
    from datetime import time as t

    from sqlalchemy import case

    from relq.cases.models import OFFICE_TZ

    starts = [dt.combine(day, t.min, tzinfo=OFFICE_TZ).astimezone(UTC) for day in week.days()]
    week_starts = [week.previous(n).bounds()[0] for n in range(1, before + 1)]
    whens = [(column >= starts[i], i) for i in range(6, -1, -1)]
    whens += [(column >= week_starts[n - 1], -n) for n in range(1, before + 1)]
    return case(*whens, else_=-(before + 1)), week_starts[-1] if week_starts else starts[0]


def department_names(ids) -> dict[str, dict[str, str]]:
    """{"12": {"ja": ..., "en": ...}} for the departments named in a section: the snapshot keeps
    the names as they were that week (JSON keys are strings)."""
    from sqlalchemy import select

    from relq.db import db
    from relq.org.models import Department

    ids = {int(i) for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.session.scalars(select(Department).where(Department.id.in_(ids)))
    return {str(d.id): {"ja": d.name_ja, "en": d.name_en} for d in rows}


def case_ref(case_id: int, received_at: datetime) -> str:
    from relq.cases.models import OFFICE_TZ

    return f"C-{received_at.astimezone(OFFICE_TZ).year}-{case_id:06d}"
