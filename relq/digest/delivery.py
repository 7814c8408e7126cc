"""The weekly digest by e-mail: who receives it, and sending it once per reader and week.

Subscriptions are rules as data: with no choice of their own, executives receive the
company's digest and leads their department's (SUBSCRIBED_BY_DEFAULT); anyone may choose
another scope they may read, or none. A reader's choice is one DigestSubscription row.

Sending claims first, then talks SMTP after the commit (as relq/notify/digest.py's daily
summary does): one DigestDelivery per reader and week, inserted with "on conflict do nothing"
under the unique (week, user) constraint, so that two senders at once (the clock on two
workers, the CLI beside them) send a reader one digest a week. The constraint is (week, user)
and not (week, scope, user): a reader has one digest a week whatever its scope, and a NULL
scope (the company) would never conflict in a unique constraint on either database.

The clock's step (`tick`) sends last complete week's digest on Mondays from 08:00 Asia/Tokyo;
when it last did is a row of clock_runs ("digest.weekly"), so a worker that ticks at 09:10
still sends it and one ticking on Tuesday does not send it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    and_,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from relq.audit.services import record
from relq.db import UTCDateTime, after_commit, db, transaction, utcnow
from relq.errors import Invalid, NotAllowed
from relq.org.models import Department, User

log = logging.getLogger(__name__)

# Who receives a digest without having chosen: role -> "company" or "department" (their own).
SUBSCRIBED_BY_DEFAULT = {"executive": "company", "lead": "department"}
# The Monday send: last complete week's digest, from this local time on Monday.
SEND_WEEKDAY = 0  # Monday
SEND_AT = time(8, 0)
CLOCK_STEP = "digest.weekly"
STATES = ("sending", "sent", "pending", "failed")
MAX_ATTEMPTS = 4
RETRY_AFTER = timedelta(minutes=15)
# A claim older than this belongs to a sender that died (its SMTP timeout is seconds).
STALE_CLAIM = timedelta(minutes=30)

_STATES_SQL = ", ".join(f"'{s}'" for s in STATES)
_dialect_insert = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}


class DigestSubscription(db.Model):
    """A reader's own choice about the weekly digest (without a row: SUBSCRIBED_BY_DEFAULT).
    `department_id` NULL is the company's digest; `is_active` false is "send me none"."""

    __tablename__ = "digest_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    user: Mapped[User] = relationship()
    department: Mapped[Department | None] = relationship()


class DigestDelivery(db.Model):
    """One reader's e-mail of one week's digest: at most one per reader and week. Its state goes
    sending -> sent, or back to pending after a failed attempt, failed after MAX_ATTEMPTS.
    `snapshot_id` is set in the transaction that claims it (the snapshot is built only for
    the scopes that have a reader left to send to)."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (
        UniqueConstraint("week", "user_id"),
        CheckConstraint(f"state IN ({_STATES_SQL})", name="state_known"),
        CheckConstraint("attempts >= 0", name="attempts_counted"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week: Mapped[str] = mapped_column(String(8))  # "2026-W48"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The scope sent: NULL is the company.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("digest_snapshots.id"), nullable=True
    )
    state: Mapped[str] = mapped_column(String(8), default="sending")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    claimed_at = mapped_column(UTCDateTime, nullable=False)
    sent_at = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


# ---- who receives it ----------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """A person who receives the weekly digest, and of which scope (None: the company)."""

    user: User
    department_id: int | None
    is_default: bool  # no choice of their own: SUBSCRIBED_BY_DEFAULT


def default_scope(user: User) -> tuple[bool, int | None]:
    """(subscribed, scope) for a reader who has not chosen."""
    rule = SUBSCRIBED_BY_DEFAULT.get(user.role)
    if rule is None:
        return False, None
    return True, (None if rule == "company" else user.department_id)


def subscription_of(user: User) -> tuple[bool, int | None, bool]:
    """(subscribed, scope, is_default) of `user`."""
    row = db.session.scalar(select(DigestSubscription).where(DigestSubscription.user_id == user.id))
    if row is None:
        return (*default_scope(user), True)
    return row.is_active, row.department_id, False


def scope_names(locale: str, company: str) -> dict[int | None, str]:
    """Each scope's name in `locale`: None (the company) is `company`, a department its name."""
    names: dict[int | None, str] = {None: company}
    for department in db.session.scalars(select(Department).order_by(Department.id)):
        names[department.id] = department.name_for(locale)
    return names


def readable_scopes(user: User) -> list[int | None]:
    """The scopes `user` may subscribe to: None (the company) and the departments they may read."""
    from relq.digest.services import can_read

    departments = db.session.scalars(
        select(Department.id).where(Department.is_active.is_(True)).order_by(Department.id)
    ).all()
    return [scope for scope in (None, *departments) if can_read(user, scope)]


def subscribe(user: User, *, actor: User, active: bool, department_id: int | None) -> bool:
    """Record `user`'s choice (only they choose for themselves). Raises NotAllowed for someone
    else's choice, Invalid for a scope they may not read. Returns whether anything changed.
    Flushes, never commits."""
    from relq.digest.services import can_read

    if actor.id != user.id:
        raise NotAllowed("not_your_subscription")
    if active and not can_read(user, department_id):
        raise Invalid("scope_not_readable")
    before_active, before_scope, _ = subscription_of(user)
    if not active:
        department_id = before_scope
    row = db.session.scalar(select(DigestSubscription).where(DigestSubscription.user_id == user.id))
    if row is None:
        row = DigestSubscription(user_id=user.id)
        db.session.add(row)
    elif (row.is_active, row.department_id) == (active, department_id):
        return False
    row.is_active = active
    row.department_id = department_id
    row.updated_at = utcnow()
    db.session.flush()
    if (before_active, before_scope) == (active, department_id):
        return False  # the default, now chosen: nothing a reader would see changed
    record(
        "digest_subscription.updated",
        actor=actor,
        entity_type="digest_subscription",
        entity_id=row.id,
        before={"is_active": before_active, "department_id": before_scope},
        after={"is_active": active, "department_id": department_id},
    )
    return True


def readers(scopes: Iterable[int | None] | None = None) -> list[Reader]:
    """Everyone who receives the digest now (active users subscribed, by choice or by default,
    to a scope they may read), by user id; only those of `scopes` when given. A reader whose
    scope they may no longer read (a lead who moved) is left out and logged."""
    from relq.digest.services import can_read

    wanted = None if scopes is None else set(scopes)
    rows = db.session.execute(
        select(User, DigestSubscription)
        .outerjoin(DigestSubscription, DigestSubscription.user_id == User.id)
        .where(User.is_active.is_(True))
        .order_by(User.id)
    ).all()
    found: list[Reader] = []
    for user, row in rows:
        if row is None:
            active, scope = default_scope(user)
        else:
            active, scope = row.is_active, row.department_id
        if not active or (wanted is not None and scope not in wanted):
            continue
        if not can_read(user, scope):
            log.warning("digest: %s may not read scope %s; not sent", user.email, scope)
            continue
        found.append(Reader(user=user, department_id=scope, is_default=row is None))
    return found


# ---- sending once per reader and week -----------------------------------------------------


def claim_week(
    week: Any, *, now: datetime, scopes: Iterable[int | None] | None = None
) -> tuple[list[int], dict[str, int]]:
    """Claim this week's e-mail of every reader (of `scopes`) who has none yet, build the
    snapshots of their scopes, and take back the week's failed attempts whose retry is due.
    Returns (claimed delivery ids, counts). Flushes, never commits: the caller commits, then
    sends (send_claimed)."""
    from relq.digest.services import build

    week_text = str(week)
    everyone = readers(scopes)
    insert = _dialect_insert[db.session.get_bind().dialect.name]
    claimed: dict[int, int | None] = {}
    for reader in everyone:
        delivery_id = db.session.execute(
            insert(DigestDelivery)
            .values(
                week=week_text,
                user_id=reader.user.id,
                department_id=reader.department_id,
                state="sending",
                attempts=1,
                claimed_at=now,
            )
            .on_conflict_do_nothing(index_elements=["week", "user_id"])
            .returning(DigestDelivery.id)
        ).scalar()
        if delivery_id is not None:  # None: sent already (by this sender or another one)
            claimed[delivery_id] = reader.department_id
    retried = _claim_retries(week_text, now, [reader.user.id for reader in everyone])
    snapshots: dict[int | None, int] = {}
    for scope in sorted(set(claimed.values()), key=lambda s: (s is not None, s or 0)):
        snapshots[scope] = build(week, scope).id
    for delivery_id, scope in claimed.items():
        db.session.execute(
            update(DigestDelivery)
            .where(DigestDelivery.id == delivery_id)
            .values(snapshot_id=snapshots[scope])
            .execution_options(synchronize_session=False)
        )
    counts = {
        "readers": len(everyone),
        "snapshots": len(snapshots),
        "claimed": len(claimed) + len(retried),
        # Sent before (or failed for good): a failed attempt taken back counts as claimed.
        "already": len(everyone) - len(claimed) - len(retried),
    }
    return sorted(claimed) + retried, counts


def _claim_retries(week_text: str, now: datetime, user_ids: list[int]) -> list[int]:
    """The week's deliveries to `user_ids` (the readers still subscribed) whose last attempt
    failed (RETRY_AFTER ago) or whose sender died (a claim older than STALE_CLAIM), claimed
    again; past MAX_ATTEMPTS they have failed."""
    stale = and_(DigestDelivery.state == "sending", DigestDelivery.claimed_at <= now - STALE_CLAIM)
    db.session.execute(
        update(DigestDelivery)
        .where(DigestDelivery.week == week_text, stale, DigestDelivery.attempts >= MAX_ATTEMPTS)
        .values(state="failed")
        .execution_options(synchronize_session=False)
    )
    # PostgreSQL re-checks the condition after waiting for another sender's lock on the row:
    # a row that sender claimed meanwhile is no longer pending, and is skipped here.
    return sorted(
        db.session.scalars(
            update(DigestDelivery)
            .where(
                DigestDelivery.week == week_text,
                DigestDelivery.user_id.in_(user_ids),
                DigestDelivery.attempts < MAX_ATTEMPTS,
                DigestDelivery.snapshot_id.is_not(None),
                or_(
                    and_(
                        DigestDelivery.state == "pending",
                        DigestDelivery.claimed_at <= now - RETRY_AFTER,
                    ),
                    stale,
                ),
            )
            .values(state="sending", claimed_at=now, attempts=DigestDelivery.attempts + 1)
            .returning(DigestDelivery.id)
            .execution_options(synchronize_session=False)
        ).all()
    )


Progress = Callable[[User, bool], None]


def send_claimed(ids: list[int], *, progress: Progress | None = None) -> dict[str, int]:
    """Send the claimed deliveries `ids` (no transaction open while talking SMTP) and record
    sent, or pending for a later try, or failed after the last attempt. `progress(reader, ok)`
    after each. Never raises for a message that fails: it is counted."""
    from relq.digest.mail import compose_digest
    from relq.digest.models import DigestSnapshot
    from relq.notify.mail import _send

    summary = {"sent": 0, "retrying": 0, "failed": 0}
    if not ids:
        return summary
    deliveries = db.session.scalars(
        select(DigestDelivery)
        .options(joinedload(DigestDelivery.user))
        .where(DigestDelivery.id.in_(ids), DigestDelivery.state == "sending")
        .order_by(DigestDelivery.id)
    ).all()
    charts: dict[tuple[int, str], Any] = {}  # drawn once per snapshot and language
    outcome: dict[int, bool] = {}
    for delivery in deliveries:
        reader = delivery.user
        try:
            snapshot = db.session.get(DigestSnapshot, delivery.snapshot_id)
            message = compose_digest(reader, snapshot, charts=charts)
        except Exception:  # one broken message must not hold back the others
            log.exception("cannot compose the digest e-mail of delivery %s", delivery.id)
            outcome[delivery.id] = False
        else:
            # One connection per message: each reader's line of progress is its own outcome.
            sent, _failed = _send([(delivery.id, message)])
            outcome[delivery.id] = bool(sent)
        if progress is not None:
            progress(reader, outcome[delivery.id])
    db.session.rollback()
    with transaction():
        now = utcnow()
        claimed = DigestDelivery.state == "sending"
        sent_ids = [i for i, ok in outcome.items() if ok]
        failed_ids = [i for i, ok in outcome.items() if not ok]
        if sent_ids:
            summary["sent"] = db.session.execute(
                update(DigestDelivery)
                .where(claimed, DigestDelivery.id.in_(sent_ids))
                .values(state="sent", sent_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
        if failed_ids:
            last = DigestDelivery.attempts >= MAX_ATTEMPTS
            summary["failed"] = db.session.execute(
                update(DigestDelivery)
                .where(claimed, DigestDelivery.id.in_(failed_ids), last)
                .values(state="failed")
                .execution_options(synchronize_session=False)
            ).rowcount
            summary["retrying"] = db.session.execute(
                update(DigestDelivery)
                .where(claimed, DigestDelivery.id.in_(failed_ids), ~last)
                .values(state="pending")
                .execution_options(synchronize_session=False)
            ).rowcount
    return summary


def mail_enabled() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def send_week(
    week: Any,
    *,
    now: datetime,
    scopes: Iterable[int | None] | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Build and send `week`'s digest to every reader (of `scopes`) who has not received it:
    claims and builds in one transaction, sends after its commit. Call it outside any unit of
    work. Returns the counts (readers, snapshots, claimed, already, sent, retrying, failed).
    Raises Invalid("mail_off") when no SMTP server is configured."""
    if not mail_enabled():
        raise Invalid("mail_off")
    with transaction():
        claimed, counts = claim_week(week, now=now, scopes=scopes)
    counts |= send_claimed(claimed, progress=progress)
    return counts


# ---- the Monday send ----------------------------------------------------------------------


def due_at(week: Any) -> datetime:
    """When `week`'s digest is due: the Monday after it, SEND_AT in the office's time zone."""
    _start, end = week.bounds()  # the next Monday 00:00 in Asia/Tokyo, in UTC
    return end + timedelta(hours=SEND_AT.hour, minutes=SEND_AT.minute)


def next_send_at(now: datetime) -> datetime:
    """The next Monday SEND_AT (Asia/Tokyo) after `now`: when the clock sends a week's digest."""
    from relq.digest.week import IsoWeek

    week = IsoWeek.last_complete(now)
    return due_at(week) if now < due_at(week) else due_at(week.next())


def _retries(week: Any, now: datetime) -> list[int]:
    """The clock's retries of `week`'s failed attempts, for its readers still subscribed (the
    readers are listed only when an attempt waits)."""
    waiting = db.session.scalar(
        select(DigestDelivery.id)
        .where(DigestDelivery.week == str(week), DigestDelivery.state.in_(("pending", "sending")))
        .limit(1)
    )
    if waiting is None:
        return []
    return _claim_retries(str(week), now, [reader.user.id for reader in readers()])


def tick(now: datetime) -> dict[str, Any]:
    """The clock's step: once last complete week's digest is due (Monday SEND_AT, Asia/Tokyo)
    and this step has not sent it yet, claim it for every reader; the e-mails go out after the
    tick's commit. A worker that ticks late that week still sends it; once sent, it is not
    sent again. Every other tick takes back the week's failed attempts whose retry is due.
    Without an SMTP server it does nothing."""
    from relq.digest.week import IsoWeek
    from relq.tick import ClockRun

    if not mail_enabled():
        return {"mail": "off"}
    week = IsoWeek.last_complete(now)
    summary: dict[str, Any] = {"week": str(week)}
    done = db.session.get(ClockRun, CLOCK_STEP)
    if now < due_at(week):
        # Monday before SEND_AT: this week's is not due yet; the one before may have retries.
        summary["due"] = False
        claimed = _retries(week.previous(), now)
    elif done is None or done.ran_at < due_at(week):
        summary["due"] = True
        claimed, counts = claim_week(week, now=now)
        summary |= counts
        if done is None:
            db.session.add(ClockRun(name=CLOCK_STEP, ran_at=now))
        else:
            done.ran_at = now
        db.session.flush()
    else:
        summary["due"] = False
        claimed = _retries(week, now)
    summary.setdefault("claimed", len(claimed))
    if claimed:

        def send() -> None:
            try:
                summary.update(send_claimed(claimed))
            except Exception as error:  # the claims expire and a later tick retries them
                log.exception("weekly digest e-mails failed")
                summary["error"] = type(error).__name__

        after_commit(send)
    return summary


def deliveries_of(week: Any) -> list[DigestDelivery]:
    """The week's e-mails, for the admins' list and the CLI."""
    return list(
        db.session.scalars(
            select(DigestDelivery)
            .options(joinedload(DigestDelivery.user))
            .where(DigestDelivery.week == str(week))
            .order_by(DigestDelivery.user_id)
        )
    )
