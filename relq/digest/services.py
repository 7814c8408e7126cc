"""Building, archiving and reading the weekly digest.

`build` gathers each capability's section (its `Capability.digest`, called with a
relq.digest.scope.DigestScope and returning JSON-able data), writes the summary sentences in
Japanese and English, and stores it all as one DigestSnapshot; once stored, a digest is read
only from its snapshot, never computed again. Services take the actor and never commit.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from relq.audit.services import record
from relq.capability import installed
from relq.db import db, utcnow
from relq.digest.models import DATA_VERSION, DigestSnapshot
from relq.digest.scope import BASELINE_WEEKS, DigestScope
from relq.digest.scrub import scrub_quotes
from relq.digest.week import IsoWeek
from relq.errors import Invalid, NotFound
from relq.org.models import Department, User

log = logging.getLogger(__name__)


# ---- who may read which digest --------------------------------------------------------------


def can_read(user: User, department_id: int | None) -> bool:
    """Executives and admins read every digest; a lead reads their own department's."""
    if not user.is_active:
        return False
    if user.role in ("executive", "admin"):
        return True
    return user.role == "lead" and department_id is not None and department_id == user.department_id


def can_open(user: User) -> bool:
    """Who has a digest to read at all (the menu item, the pages)."""
    return user.is_active and user.role in ("lead", "executive", "admin")


def can_archive(user: User) -> bool:
    """Storing a week's digest by hand (the clock and the CLI store it on their own)."""
    return user.is_active and user.role == "admin"


def default_scope(user: User) -> int | None:
    """The digest a reader opens first: a lead their department's, management the company's."""
    return user.department_id if user.role == "lead" else None


# ---- building ---------------------------------------------------------------------------------


def is_complete(week: IsoWeek, now: datetime | None = None) -> bool:
    return week.bounds()[1] <= (now or utcnow())


def archived(week: IsoWeek, department_id: int | None) -> DigestSnapshot | None:
    return db.session.scalar(
        select(DigestSnapshot).where(
            DigestSnapshot.week == str(week),
            DigestSnapshot.scope == DigestSnapshot.scope_of(department_id),
        )
    )


def _department(department_id: int | None) -> Department | None:
    if department_id is None:
        return None
    department = db.session.get(Department, department_id)
    if department is None:
        raise NotFound("department")
    return department


def gather(week: IsoWeek, department_id: int | None) -> dict[str, Any]:
    """Every section's numbers and the summary, as the snapshot stores them (nothing stored)."""
    from relq.digest.summary import summarise

    department = _department(department_id)
    scope = DigestScope(week, department_id)
    start, end = week.bounds()
    sections: dict[str, Any] = {}
    for capability in installed().capabilities:
        if capability.digest is not None:
            sections[capability.name] = capability.digest(scope)
    data: dict[str, Any] = {
        "version": DATA_VERSION,
        "week": str(week),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "days": [day.isoformat() for day in week.days()],
        "baseline_weeks": BASELINE_WEEKS,
        "department": None
        if department is None
        else {"id": department.id, "ja": department.name_ja, "en": department.name_en},
        "sections": sections,
    }
    # Every section's quotes lose their personal data here, in one batch, before anything is
    # stored or shown (relq.digest.scrub).
    data = scrub_quotes(data)
    data["summary"] = summarise(data)
    return data


def compute(week: IsoWeek, department_id: int | None) -> DigestSnapshot:
    """A digest computed now and not stored (a transient snapshot, never added to the session):
    for reading a week that has not been archived yet."""
    return DigestSnapshot(
        week=str(week),
        scope=DigestSnapshot.scope_of(department_id),
        department_id=department_id,
        built_at=utcnow(),
        data=gather(week, department_id),
    )


def build(week: IsoWeek, department_id: int | None, *, actor: User | None = None) -> DigestSnapshot:
    """The archived digest of `week` for the company (None) or one department: the stored
    snapshot if there is one, otherwise gathered, stored and returned (flushed, not committed).
    Raises Invalid("week_not_over") for a week that has not ended (its numbers would be
    frozen half-way) and NotFound for an unknown department."""
    found = archived(week, department_id)
    if found is not None:
        return found
    if not is_complete(week):
        raise Invalid("week_not_over")
    snapshot = compute(week, department_id)
    try:
        with db.session.begin_nested():
            db.session.add(snapshot)
    except IntegrityError:
        # Another worker stored the same week meanwhile: theirs is the archive.
        found = archived(week, department_id)
        if found is None:
            raise
        return found
    record(
        "digest.archived",
        actor=actor,
        entity_type="digest",
        entity_id=snapshot.id,
        after={"week": snapshot.week, "scope": snapshot.scope},
    )
    log.info("digest %s (%s) archived", snapshot.week, snapshot.scope)
    return snapshot


# The clock archives a week once it has been over this long (Monday 08:00 in Tokyo, when the
# e-mail goes out: what came in late on Sunday night is typed in by then), and looks back this
# many weeks for complete weeks that have none (a new install's history, the demo's weeks).
ARCHIVE_AFTER = timedelta(hours=8)
ARCHIVE_BACKFILL_WEEKS = 12


def archive_due(now: datetime) -> list[str]:
    """The clock's step: archive the company's digest of each complete week of the last
    ARCHIVE_BACKFILL_WEEKS that is due (ARCHIVE_AFTER its end) and has cases but no snapshot,
    and each active department's digest of the last due week. Idempotent (one query when all
    are archived); flushes, never commits. Returns the weeks it archived ("2026-W48",
    "2026-W48/12")."""
    from relq.cases.models import Case

    last = IsoWeek.last_complete(now - ARCHIVE_AFTER)
    weeks = [last.previous(n) for n in range(ARCHIVE_BACKFILL_WEEKS)]
    have = set(
        db.session.execute(
            select(DigestSnapshot.week, DigestSnapshot.scope).where(
                DigestSnapshot.week.in_([str(w) for w in weeks])
            )
        ).all()
    )
    first = db.session.scalar(select(func.min(Case.received_at)))
    if first is None:
        return []
    archived_now = []
    for week in reversed(weeks):
        if week.bounds()[1] <= first or (str(week), "company") in have:
            continue
        build(week, None)
        archived_now.append(str(week))
    if last.bounds()[1] > first:
        for department_id in db.session.scalars(
            select(Department.id).where(Department.is_active.is_(True)).order_by(Department.id)
        ):
            if (str(last), str(department_id)) not in have:
                build(last, department_id)
                archived_now.append(f"{last}/{department_id}")
    return archived_now


def archive_list(department_id: int | None, limit: int = 104) -> list[DigestSnapshot]:
    """The archived weeks of one scope, newest first."""
    return list(
        db.session.scalars(
            select(DigestSnapshot)
            .where(DigestSnapshot.scope == DigestSnapshot.scope_of(department_id))
            .order_by(DigestSnapshot.week.desc())
            .limit(limit)
        )
    )


def previous_snapshot(snapshot: DigestSnapshot) -> DigestSnapshot | None:
    """The archived digest of the week before, same scope (for the diff)."""
    week = IsoWeek.parse(snapshot.week).previous()
    return archived(week, snapshot.department_id)


def charts(snapshot: DigestSnapshot, locale: str) -> dict[str, Any]:
    """The digest's charts (name -> relq.charts Chart), drawn from the snapshot's numbers
    only, with labels in `locale`."""
    from relq.digest.charting import charts_for

    return charts_for(snapshot.data, locale)


# ---- the week before -------------------------------------------------------------------------


def headline(data: dict[str, Any]) -> dict[str, float | None]:
    """The numbers a reader compares week to week, by name, from a snapshot's data (a section
    the snapshot does not have gives None)."""
    sections = data.get("sections", {})

    def get(*path: str) -> float | None:
        found: Any = sections
        for key in path:
            if not isinstance(found, dict) or key not in found:
                return None
            found = found[key]
        return found if isinstance(found, int | float) else None

    return {
        "cases": get("cases", "volume", "total"),
        "complaints": get("cases", "volume", "by_kind", "complaint"),
        "complaints_per_1000": get("cases", "products", "per_1000"),
        "observations": get("cases", "observations", "count"),
        "surges": get("themes", "surge_count"),
        "escalations_new": get("escalations", "new", "total"),
        "escalations_open": get("escalations", "open", "total"),
        "decisions": get("escalations", "decided", "total"),
        "acknowledged_on_time": get("deadlines", "totals", "acknowledge", "rate"),
        "resolved_on_time": get("deadlines", "totals", "resolution", "rate"),
        "declined": get("deadlines", "declined", "total"),
        "stall_points": get("relations", "stall_count"),
        "compliments": get("thanks", "total"),
        "harassment": get("harassment", "flagged"),
    }


def diff(snapshot: DigestSnapshot, previous: DigestSnapshot | None) -> list[dict[str, Any]]:
    """Each headline number against the previous week's archived digest (same scope):
    name, this week, last week, the change ("up", "down", "same", or None without both)."""
    now = headline(snapshot.data)
    before = headline(previous.data) if previous is not None else {}
    rows = []
    for name, value in now.items():
        old = before.get(name)
        if value is None and old is None:
            continue
        direction = None
        if value is not None and old is not None:
            direction = "up" if value > old else "down" if value < old else "same"
        rows.append({"name": name, "value": value, "previous": old, "direction": direction})
    return rows
