"""The daily summary: one e-mail a day, instead of one per event, for those who chose it.

A notification whose reader chose the daily summary is saved with its e-mail waiting
("digest"). The clock's step (`send_daily_summaries`) makes, once the reader's own day has
reached DIGEST_HOUR, one NotificationDigest per reader and day and moves the waiting
notifications into it ("digested"); the unique (user, day) constraint, with the insert that
does nothing on conflict, is what keeps two clocks ticking at once from making two. Its
e-mail is then claimed (pending -> sending) and sent after the commit, like any other.
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from relq.db import after_commit, db, transaction, utcnow
from relq.notify import models
from relq.notify.mail import envelope
from relq.notify.messages import describe, link
from relq.notify.models import MAX_EMAIL_ATTEMPTS, Notification, NotificationDigest
from relq.org.models import User

log = logging.getLogger(__name__)

_dialect_insert = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}


def _reader_day(user: User, now: datetime) -> tuple[datetime, Any]:
    zone = ZoneInfo(user.timezone or current_app.config["BABEL_DEFAULT_TIMEZONE"])
    local = now.astimezone(zone)
    return local, local.date()


def make_daily_summaries(now: datetime) -> list[int]:
    """Make today's summary of each reader whose notifications wait for one and whose day has
    reached DIGEST_HOUR, unless one was made today already (then they wait for tomorrow's).
    Returns the new summaries' ids. Flushes, never commits."""
    waiting = db.session.execute(
        select(Notification.user_id, func.count())
        .where(Notification.email_state == "digest", Notification.created_at <= now)
        .group_by(Notification.user_id)
        .order_by(Notification.user_id)
    ).all()
    made: list[int] = []
    for user_id, count in waiting:
        user = db.session.get(User, user_id)
        local, day = _reader_day(user, now)
        if local.hour < models.DIGEST_HOUR:
            continue
        statement = (
            _dialect_insert[db.session.get_bind().dialect.name](NotificationDigest)
            .values(
                user_id=user_id,
                day=day,
                notification_count=count,
                created_at=now,
                email_state="pending",
                email_attempts=0,
            )
            .on_conflict_do_nothing(index_elements=["user_id", "day"])
            .returning(NotificationDigest.id)
        )
        digest_id = db.session.execute(statement).scalar()
        if digest_id is None:
            continue  # today's was made (by this clock earlier, or another one just now)
        moved = db.session.execute(
            update(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.email_state == "digest",
                Notification.created_at <= now,
            )
            .values(email_state="digested", digest_id=digest_id)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.execute(
            update(NotificationDigest)
            .where(NotificationDigest.id == digest_id)
            .values(notification_count=max(moved, 1))
        )
        made.append(digest_id)
    return made


def claim_summaries(now: datetime) -> list[int]:
    """Claim the summaries whose e-mail is due (new, failed before, or claimed by a sender that
    died) for this sender; a summary past MAX_EMAIL_ATTEMPTS has failed."""
    from relq.notify.mail import RETRY_AFTER, RETRY_AFTER_LAST, STALE_CLAIM

    due = [NotificationDigest.email_attempts == 0]
    for attempts in range(1, MAX_EMAIL_ATTEMPTS):
        wait = RETRY_AFTER.get(attempts, RETRY_AFTER_LAST)
        due.append(
            and_(
                NotificationDigest.email_attempts == attempts,
                NotificationDigest.emailed_at <= now - wait,
            )
        )
    stale = and_(
        NotificationDigest.email_state == "sending",
        NotificationDigest.emailed_at <= now - STALE_CLAIM,
    )
    db.session.execute(
        update(NotificationDigest)
        .where(stale, NotificationDigest.email_attempts >= MAX_EMAIL_ATTEMPTS)
        .values(email_state="failed")
        .execution_options(synchronize_session=False)
    )
    return sorted(
        db.session.scalars(
            update(NotificationDigest)
            .where(
                NotificationDigest.email_attempts < MAX_EMAIL_ATTEMPTS,
                or_(and_(NotificationDigest.email_state == "pending", or_(*due)), stale),
            )
            .values(
                email_state="sending",
                emailed_at=now,
                email_attempts=NotificationDigest.email_attempts + 1,
            )
            .returning(NotificationDigest.id)
            .execution_options(synchronize_session=False)
        ).all()
    )


def compose_summary(digest: NotificationDigest) -> EmailMessage:
    """The summary's e-mail, in its reader's language: what happened, per case and kind."""
    reader = digest.user
    notifications = db.session.scalars(
        select(Notification)
        .options(joinedload(Notification.case), joinedload(Notification.user))
        .where(Notification.digest_id == digest.id)
        .order_by(Notification.case_id, Notification.event, Notification.id)
    ).all()
    with force_locale(reader.locale):
        lines = []
        for notification in notifications:
            title, _body, url = describe(notification, external=True)
            lines.append((title, url))
        subject = _("Daily summary: %(count)d notification(s)", count=len(notifications))
        text = render_template(
            "notify/email/digest.txt",
            greeting=_("Dear %(name)s,", name=reader.name),
            intro=_("What happened since your last summary:"),
            lines=lines,
            footer=_(
                "You receive this daily summary because of your notification settings in "
                "relq. Change them here:"
            ),
            preferences_url=link("notify.preferences", external=True),
        )
    return envelope(reader, subject, text, f"digest-{digest.id}")


def send_claimed_summaries(ids: list[int]) -> dict[str, int]:
    """Send the claimed summaries `ids` (no transaction open while talking SMTP) and record
    sent, or pending for a later try, or failed after the last attempt."""
    from relq.notify.mail import _send

    digests = db.session.scalars(
        select(NotificationDigest)
        .options(joinedload(NotificationDigest.user))
        .where(NotificationDigest.id.in_(ids), NotificationDigest.email_state == "sending")
    ).all()
    messages, unsendable = [], []
    for digest in digests:
        try:
            messages.append((digest.id, compose_summary(digest)))
        except Exception:
            log.exception("cannot compose the daily summary %s", digest.id)
            unsendable.append(digest.id)
    db.session.rollback()
    sent, failed = _send(messages)
    failed += unsendable
    summary = {"sent": len(sent), "failed": 0, "retrying": 0}
    with transaction():
        claimed = NotificationDigest.email_state == "sending"
        if sent:
            db.session.execute(
                update(NotificationDigest)
                .where(claimed, NotificationDigest.id.in_(sent))
                .values(email_state="sent", emailed_at=utcnow())
            )
        if failed:
            last = NotificationDigest.email_attempts >= MAX_EMAIL_ATTEMPTS
            summary["failed"] = db.session.execute(
                update(NotificationDigest)
                .where(claimed, NotificationDigest.id.in_(failed), last)
                .values(email_state="failed")
            ).rowcount
            summary["retrying"] = db.session.execute(
                update(NotificationDigest)
                .where(claimed, NotificationDigest.id.in_(failed), ~last)
                .values(email_state="pending")
            ).rowcount
    return summary


def send_daily_summaries(now: datetime) -> dict[str, Any]:
    """The clock's step: make the summaries due and claim their e-mails (with any to retry);
    they are sent once the tick's transaction has committed, and the summary filled in."""
    made = make_daily_summaries(now)
    claimed = claim_summaries(now)
    summary: dict[str, Any] = {"made": len(made), "claimed": len(claimed)}
    if claimed:

        def send() -> None:
            try:
                summary.update(send_claimed_summaries(claimed))
            except Exception as error:  # the claims expire and a later tick retries
                log.exception("daily summaries failed")
                summary["error"] = type(error).__name__

        after_commit(send)
    return summary
