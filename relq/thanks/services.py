"""Passing compliments on: to the department and staff member the customer named, and to the
"thanks" feed every employee reads. Services take the acting user, record an audit event and
flush; they never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, literal, select, text, union_all
from sqlalchemy.exc import IntegrityError

from relq import access, events
from relq.audit.services import record
from relq.cases.models import Case
from relq.cases.services import CaseError, MissingInput, NotAllowed
from relq.db import db, utcnow
from relq.handoffs.models import Handoff, HandoffMessage
from relq.handoffs.services import visible_handoffs
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
# Two sources, one stream: customers' compliments passed on, and the thank-yous one department
# sent another when confirming a handoff's answer (internal thanks). One query of both, newest
# first, pages through them together.

CUSTOMER, INTERNAL = "customer", "internal"
SOURCES = {CUSTOMER: _l("From customers"), INTERNAL: _l("Between departments")}
# What the feed's internal entries read (the partial indexes ix_handoffs_thanked_*), spelled
# as the indexes' predicate so that both databases use them. A thank-you is only ever given
# when confirming (relq.handoffs.services.confirm_handoff), and confirmed is final: a handoff
# with one is a confirmed handoff, without asking its status (which the indexes do not hold).
_THANKED = text("handoffs.thanks <> ''")


@dataclass
class FeedFilters:
    department_id: int | None = None
    staff_user_id: int | None = None
    source: str = ""  # "" (both), or a SOURCES key


@dataclass
class FeedEntry:
    """One entry of the feed: a compliment, or a handoff confirmed with a thank-you (with the
    people who wrote its answers)."""

    source: str
    at: datetime
    compliment: Compliment | None = None
    handoff: Handoff | None = None
    answerers: list[User] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.compliment.id}" if self.compliment else f"handoff-{self.handoff.id}"


def _compliments(filters: FeedFilters) -> Select:
    query = select(
        literal(CUSTOMER).label("source"),
        Compliment.id.label("id"),
        Compliment.shared_at.label("at"),
    )
    if filters.department_id:
        query = query.where(Compliment.department_id == filters.department_id)
    if filters.staff_user_id:
        query = query.where(Compliment.staff_user_id == filters.staff_user_id)
    return query


def _internal_thanks(filters: FeedFilters) -> Select:
    """Handoffs confirmed with a thank-you, dated when they were confirmed; thanked: the
    providing department and the people who wrote its answers."""
    query = select(
        literal(INTERNAL).label("source"), Handoff.id.label("id"), Handoff.closed_at.label("at")
    ).where(_THANKED)
    if filters.department_id:
        query = query.where(Handoff.provider_department_id == filters.department_id)
    if filters.staff_user_id:
        query = query.where(
            Handoff.id.in_(
                select(HandoffMessage.handoff_id).where(
                    HandoffMessage.author_id == filters.staff_user_id,
                    HandoffMessage.kind == "answer",
                )
            )
        )
    return query


def thanks_feed_statement(filters: FeedFilters, *, limit: int, offset: int = 0) -> Select:
    """The page of the feed as (source, id, at) rows: one query of both sources. Each source
    gives at most the rows up to the page's end, newest first (walking its time index), and
    the page is cut from their union: the newest `offset + limit` of both are among them."""
    parts = []
    if filters.source in ("", CUSTOMER):
        parts.append(_compliments(filters))
    if filters.source in ("", INTERNAL):
        parts.append(_internal_thanks(filters))
    newest = [
        part.order_by(text("at DESC"), text("id DESC")).limit(offset + limit).subquery()
        for part in parts
    ]
    branches = [select(b.c.source, b.c.id, b.c.at) for b in newest]
    both = union_all(*branches).subquery() if len(branches) > 1 else newest[0]
    return (
        select(both.c.source, both.c.id, both.c.at)
        .order_by(both.c.at.desc(), both.c.source.desc(), both.c.id.desc())
        .limit(limit)
        .offset(offset)
    )


def thanks_feed(filters: FeedFilters, *, limit: int, offset: int = 0) -> list[FeedEntry]:
    """Shared compliments and internal thank-yous, newest first. Not scoped by `visible_cases`
    or the handoffs' door: the feed is for every employee and shows only the words meant to be
    shared (what the operator chose to share; a thank-you and who it thanks), never the case or
    what was asked."""
    page = db.session.execute(thanks_feed_statement(filters, limit=limit, offset=offset)).all()
    compliment_ids = [row.id for row in page if row.source == CUSTOMER]
    handoff_ids = [row.id for row in page if row.source == INTERNAL]
    compliments = {
        c.id: c
        for c in db.session.scalars(select(Compliment).where(Compliment.id.in_(compliment_ids)))
    }
    handoffs = {
        h.id: h for h in db.session.scalars(select(Handoff).where(Handoff.id.in_(handoff_ids)))
    }
    answerers = _answerers_of(handoff_ids)
    entries = []
    for row in page:
        if row.source == CUSTOMER:
            compliment = compliments[row.id]
            entries.append(FeedEntry(CUSTOMER, compliment.shared_at, compliment=compliment))
        else:
            handoff = handoffs[row.id]
            entries.append(
                FeedEntry(
                    INTERNAL,
                    handoff.closed_at,
                    handoff=handoff,
                    answerers=answerers.get(handoff.id, []),
                )
            )
    return entries


def _answerers_of(handoff_ids: list[int]) -> dict[int, list[User]]:
    """The people who wrote each handoff's answers, in the order they first answered."""
    found: dict[int, list[User]] = {}
    if not handoff_ids:
        return found
    rows = db.session.execute(
        select(HandoffMessage.handoff_id, User)
        .join(User, User.id == HandoffMessage.author_id)
        .where(HandoffMessage.handoff_id.in_(handoff_ids), HandoffMessage.kind == "answer")
        .order_by(HandoffMessage.handoff_id, HandoffMessage.created_at, HandoffMessage.id)
    ).all()
    for handoff_id, user in rows:
        people = found.setdefault(handoff_id, [])
        if user not in people:
            people.append(user)
    return found


def linkable_case_ids(user: User, case_ids: list[int]) -> set[int]:
    """Which of `case_ids` `user` may open: the feed links to those only."""
    if not case_ids:
        return set()
    return set(
        db.session.scalars(
            access.visible_cases(user).with_only_columns(Case.id).where(Case.id.in_(case_ids))
        )
    )


def linkable_handoff_ids(user: User, handoff_ids: list[int]) -> set[int]:
    """Which of `handoff_ids` `user` may open (relq.handoffs' door)."""
    if not handoff_ids:
        return set()
    return set(
        db.session.scalars(
            visible_handoffs(user).with_only_columns(Handoff.id).where(Handoff.id.in_(handoff_ids))
        )
    )


def thanks_per_department(
    weeks: int = FEED_WEEKS, now: datetime | None = None
) -> list[tuple[Department, int]]:
    """Thanks received in the last `weeks` weeks per department, most thanked first: the
    compliments passed on to it and the thank-yous for its answers to other departments."""
    since = (now or utcnow()) - timedelta(weeks=weeks)
    received = union_all(
        select(Compliment.department_id.label("department_id")).where(
            Compliment.shared_at >= since
        ),
        select(Handoff.provider_department_id.label("department_id")).where(
            _THANKED, Handoff.closed_at >= since
        ),
    ).subquery()
    n = func.count()
    rows = db.session.execute(
        select(Department, n)
        .join(received, received.c.department_id == Department.id)
        .group_by(Department.id)
        .order_by(n.desc(), Department.id)
    ).all()
    return [(department, count) for department, count in rows]
