"""The personal-data read log: who was shown whose personal data, where, when, from where.

Written as one INSERT on a connection of its own, committed at once, outside the request's
transaction: a GET changes nothing of the data (the access-matrix test allows this one table),
the case page stays a read (no write lock for its transaction on SQLite), and the write does not
mark any cache topic as changed (it is not done through the session: relq/cache.py). A failure
to log is logged and does not break the page."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from relq.cases.models import Case, Customer
from relq.db import db, utcnow
from relq.org.models import User
from relq.privacy.models import PersonalDataRead

log = logging.getLogger(__name__)


def shows_personal_data(customer: Customer | None) -> bool:
    return customer is not None and bool(customer.name or customer.email or customer.phone)


def note_read(
    user: User,
    *,
    place: str,
    address: str | None,
    customer_id: int | None = None,
    case_id: int | None = None,
    found: int | None = None,
) -> None:
    try:
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Do not wait for the WAL to reach the disk (SQLite's WAL mode with synchronous
                # NORMAL does not either): a crash may lose the last instant's reads, never
                # make the database inconsistent, and the page does not wait for an fsync.
                connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
            connection.execute(
                insert(PersonalDataRead.__table__).values(
                    at=utcnow(),
                    user_id=user.id,
                    customer_id=customer_id,
                    case_id=case_id,
                    place=place,
                    address=(address or "")[:45] or None,
                    found=found,
                )
            )
    except Exception:
        log.exception("the personal-data read log could not be written")


@dataclass(frozen=True)
class ReadFilter:
    user_id: int | None = None
    customer_id: int | None = None
    place: str | None = None
    since: datetime | None = None
    before: datetime | None = None


def reads(where: ReadFilter, *, limit: int, offset: int = 0) -> list[PersonalDataRead]:
    """The newest reads first, narrowed by `where` (the officer's page)."""
    query = select(PersonalDataRead).order_by(PersonalDataRead.id.desc())
    if where.user_id:
        query = query.where(PersonalDataRead.user_id == where.user_id)
    if where.customer_id:
        query = query.where(PersonalDataRead.customer_id == where.customer_id)
    if where.place:
        query = query.where(PersonalDataRead.place == where.place)
    if where.since is not None:
        query = query.where(PersonalDataRead.at >= where.since)
    if where.before is not None:
        query = query.where(PersonalDataRead.at < where.before)
    return list(db.session.scalars(query.limit(limit).offset(offset)))


def case_refs(rows: list[PersonalDataRead]) -> dict[int, str]:
    ids = {r.case_id for r in rows if r.case_id}
    if not ids:
        return {}
    return {c.id: c.ref for c in db.session.scalars(select(Case).where(Case.id.in_(ids)))}
