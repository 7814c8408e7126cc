"""Passing compliments on: to the department and staff member the customer named, and to the
"thanks" feed every employee reads. Services take the acting user, record an audit event and
flush; they never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from relq import access, events
from relq.audit.services import record
from relq.cases.models import Case
from relq.cases.services import CaseError, MissingInput, NotAllowed
from relq.db import db, utcnow
from relq.org.models import Department, User
from relq.thanks.models import Compliment

QUOTE_MAX = 1000
STAFF_NAME_MAX = 80
FEED_WEEKS = 12


class AlreadyShared(CaseError):
    """The case's compliment was already passed on; `compliment` is it."""

    def __init__(self, compliment: Compliment):
        super().__init__(compliment.id)
        self.compliment = compliment


def compliment_for_case(case_id: int) -> Compliment | None:
    return db.session.scalar(select(Compliment).where(Compliment.case_id == case_id))


def staff_by_department() -> dict[int, list[User]]:
    """The active people of each active department, who a compliment may name."""
    people = db.session.scalars(
        select(User)
        .join(Department, Department.id == User.department_id)
        .where(User.is_active.is_(True), Department.is_active.is_(True), User.role != "admin")
        .order_by(Department.id, User.name)
    )
    found: dict[int, list[User]] = {}
    for person in people:
        found.setdefault(person.department_id, []).append(person)
    return found


def share_compliment(
    case: Case,
    *,
    actor: User,
    department_id: int,
    staff_user_id: int | None = None,
    staff_name: str = "",
    quote: str,
) -> Compliment:
    """Pass the compliment of `case` on to a department (and the staff member it names, as a
    user of that department or as the name the customer gave), with the words the operator
    chose to share. Raises NotAllowed (only the front line, only compliments), AlreadyShared,
    or MissingInput for "quote", "department" (not active) or "staff_user" (not of that
    department)."""
    if not access.can_share_compliment(actor, case):
        raise NotAllowed("share_compliment")
    existing = compliment_for_case(case.id)
    if existing is not None:
        raise AlreadyShared(existing)
    quote = (quote or "").strip()
    if not quote or len(quote) > QUOTE_MAX:
        raise MissingInput("quote")
    department = db.session.get(Department, department_id) if department_id else None
    if department is None or not department.is_active:
        raise MissingInput("department")
    if staff_user_id:
        staff = db.session.get(User, staff_user_id)
        if staff is None or not staff.is_active or staff.department_id != department.id:
            raise MissingInput("staff_user")
        staff_name = ""  # the user's own name is shown, always current
    staff_name = (staff_name or "").strip()
    if len(staff_name) > STAFF_NAME_MAX:
        raise MissingInput("staff_name")
    compliment = Compliment(
        case_id=case.id,
        department_id=department.id,
        staff_user_id=staff_user_id or None,
        staff_name=staff_name,
        quote=quote,
        shared_by_id=actor.id,
        shared_at=utcnow(),
    )
    db.session.add(compliment)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        existing = compliment_for_case(case.id)
        if existing is None:
            raise
        raise AlreadyShared(existing) from None
    record(
        "compliment.shared",
        actor=actor,
        entity_type="compliment",
        entity_id=compliment.id,
        case_id=case.id,
        after={"department_id": department.id, "staff_user_id": compliment.staff_user_id},
    )
    events.compliment_shared.send(case, actor=actor, compliment=compliment)
    return compliment


def unshare_compliment(compliment: Compliment, *, actor: User) -> None:
    """Take the compliment out of the feed (it may be shared again). Raises NotAllowed."""
    case = db.session.get(Case, compliment.case_id)
    if not access.can_withdraw_compliment(actor, case):
        raise NotAllowed("unshare_compliment")
    record(
        "compliment.withdrawn",
        actor=actor,
        entity_type="compliment",
        entity_id=compliment.id,
        case_id=case.id,
        before={"department_id": compliment.department_id},
    )
    db.session.delete(compliment)
    db.session.flush()


# ---- the feed ----------------------------------------------------------------------------------


@dataclass
class FeedFilters:
    department_id: int | None = None
    staff_user_id: int | None = None


def thanks_feed(filters: FeedFilters, *, limit: int, offset: int = 0) -> list[Compliment]:
    """Shared compliments, newest first. Not scoped by `visible_cases`: the feed is for every
    employee and shows only what the operator chose to share, never the case itself."""
    query = select(Compliment)
    if filters.department_id:
        query = query.where(Compliment.department_id == filters.department_id)
    if filters.staff_user_id:
        query = query.where(Compliment.staff_user_id == filters.staff_user_id)
    query = query.order_by(Compliment.shared_at.desc(), Compliment.id.desc())
    return list(db.session.scalars(query.limit(limit).offset(offset)))


def linkable_case_ids(user: User, case_ids: list[int]) -> set[int]:
    """Which of `case_ids` `user` may open: the feed links to those only."""
    if not case_ids:
        return set()
    return set(
        db.session.scalars(
            access.visible_cases(user).with_only_columns(Case.id).where(Case.id.in_(case_ids))
        )
    )


def thanks_per_department(
    weeks: int = FEED_WEEKS, now: datetime | None = None
) -> list[tuple[Department, int]]:
    """Compliments shared in the last `weeks` weeks per department, most thanked first."""
    since = (now or utcnow()) - timedelta(weeks=weeks)
    n = func.count(Compliment.id)
    rows = db.session.execute(
        select(Department, n)
        .join(Compliment, Compliment.department_id == Department.id)
        .where(Compliment.shared_at >= since)
        .group_by(Department.id)
        .order_by(n.desc(), Department.id)
    ).all()
    return [(department, count) for department, count in rows]
