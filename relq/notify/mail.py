"""E-mail: notifications sent over SMTP, in the recipient's language, outside any request.

A notification whose e-mail is wanted is saved `pending` with the change that caused it.
After that change commits, MAIL_QUEUE decides who sends it:
- "thread" (default): a daemon thread of this process, so the request never waits for SMTP;
- "inline": right after the commit, in the request (tests, single-user demos);
- "off": nobody; `flask relq tick` sends what is pending.
Sending claims rows first (pending -> sending, in a short transaction), then talks SMTP with no
transaction open, then records sent or failed. Two senders never send the same row (the claim
re-checks the row's attempt count), a sender that dies leaves a claim that expires after
STALE_CLAIM, and an SMTP server that is down leaves rows pending for a later try: nothing a case
needs ever waits on e-mail.
"""

from __future__ import annotations

import logging
import queue
import smtplib
import threading
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

import click
from flask import Flask, current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, tuple_, update
from sqlalchemy.orm import joinedload

from relq.db import after_commit, db, transaction, transaction_cache, utcnow
from relq.notify.messages import describe, link
from relq.notify.models import MAX_EMAIL_ATTEMPTS, Notification

log = logging.getLogger(__name__)

BATCH = 100
TICK_BATCH = 500
# How long to wait after the n-th failed attempt before the next one.
RETRY_AFTER = {1: timedelta(minutes=1), 2: timedelta(minutes=5), 3: timedelta(minutes=15)}
RETRY_AFTER_LAST = timedelta(hours=1)
# A claim older than this belongs to a sender that died (its SMTP timeout is seconds).
STALE_CLAIM = timedelta(minutes=15)


# ---- claiming -----------------------------------------------------------------------------


def claim_pending(limit: int, *, now: datetime | None = None) -> list[int]:
    """Claim up to `limit` e-mails whose attempt is due (pending ones, failed ones whose retry
    time has come, claims left by a sender that died) for this sender: mark them `sending` and
    count the attempt. Returns the claimed ids. Flushes, never commits: the caller commits the
    claim before sending."""
    now = now or utcnow()
    retry_due = [Notification.email_attempts == 0]
    for attempts in range(1, MAX_EMAIL_ATTEMPTS):
        wait = RETRY_AFTER.get(attempts, RETRY_AFTER_LAST)
        retry_due.append(
            and_(Notification.email_attempts == attempts, Notification.emailed_at <= now - wait)
        )
    stale = and_(
        Notification.email_state == "sending", Notification.emailed_at <= now - STALE_CLAIM
    )
    # A dead sender's last allowed attempt is not retried: that e-mail has failed.
    db.session.execute(
        update(Notification)
        .where(
            # The partial index's own condition, so that SQLite uses the index.
            Notification.email_state.in_(("pending", "sending")),
            stale,
            Notification.email_attempts >= MAX_EMAIL_ATTEMPTS,
        )
        .values(email_state="failed")
        .execution_options(synchronize_session=False)
    )
    seen = db.session.execute(
        select(Notification.id, Notification.email_attempts)
        .where(
            Notification.email_state.in_(("pending", "sending")),
            or_(
                and_(Notification.email_state == "pending", or_(*retry_due)),
                and_(stale, Notification.email_attempts < MAX_EMAIL_ATTEMPTS),
            ),
        )
        .order_by(Notification.id)
        .limit(limit)
    ).all()
    if not seen:
        return []
    # Another sender that read the same rows and claimed first has raised their attempt
    # count: this update then skips them (PostgreSQL re-checks the condition after waiting
    # for its lock; SQLite has one writer at a time).
    claimed = db.session.scalars(
        update(Notification)
        .where(
            tuple_(Notification.id, Notification.email_attempts).in_(
                [(row.id, row.email_attempts) for row in seen]
            ),
            Notification.email_state.in_(("pending", "sending")),
        )
        .values(
            email_state="sending",
            emailed_at=now,
            email_attempts=Notification.email_attempts + 1,
        )
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(claimed)


# ---- sending ------------------------------------------------------------------------------


def deliver_pending(limit: int = BATCH, *, now: datetime | None = None) -> dict[str, Any]:
    """Send up to `limit` e-mails whose attempt is due, over one SMTP connection, and record
    the outcome. Call it outside any unit of work (it opens its own short transactions).
    Never raises: returns {"claimed", "sent", "retrying", "failed"} (and "error")."""
    summary: dict[str, Any] = {"claimed": 0, "sent": 0, "retrying": 0, "failed": 0}
    try:
        if not current_app.config.get("MAIL_SERVER"):
            return summary
        with transaction():
            claimed = claim_pending(limit, now=now)
        summary["claimed"] = len(claimed)
        if claimed:
            summary |= send_claimed(claimed)
    except Exception as error:  # the rows stay pending or claimed: a later try sends them
        log.exception("e-mail delivery failed")
        summary["error"] = type(error).__name__
    return summary


def send_claimed(ids: list[int]) -> dict[str, Any]:
    """Send the e-mails of the claimed notifications `ids` and record sent / failed."""
    messages: list[tuple[int, EmailMessage]] = []
    unsendable: list[int] = []
    notifications = db.session.scalars(
        select(Notification)
        .options(joinedload(Notification.user), joinedload(Notification.case))
        .where(Notification.id.in_(ids), Notification.email_state == "sending")
        .order_by(Notification.id)
    ).all()
    for notification in notifications:
        try:
            messages.append((notification.id, compose(notification)))
        except Exception:  # one broken message must not hold back the others
            log.exception("cannot compose the e-mail of notification %s", notification.id)
            unsendable.append(notification.id)
    db.session.rollback()  # no transaction stays open while we talk to the network
    sent, failed = _send(messages)
    with transaction():
        return _record_outcome(sent, failed + unsendable)


def compose(notification: Notification) -> EmailMessage:
    """The e-mail of `notification`, worded in its recipient's language."""
    reader = notification.user
    with force_locale(reader.locale):
        title, body, url = describe(notification, external=True)
        text = render_template(
            "notify/email/notification.txt",
            greeting=_("Dear %(name)s,", name=reader.name),
            title=title,
            body=body,
            open_label=_("Open in relq:"),
            url=url,
            footer=_(
                "You receive this e-mail because of your notification settings in relq. "
                "Change them here:"
            ),
            preferences_url=link("notify.preferences", external=True),
        )
    return envelope(reader, title, text, f"notification-{notification.id}")


def envelope(reader: Any, subject: str, text: str, message_key: str) -> EmailMessage:
    """An e-mail of relq to `reader`: from MAIL_FROM, its Message-ID made of `message_key` (so
    that a retry is recognisably the same message)."""
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = f"[relq] {subject}"
    message["From"] = config["MAIL_FROM"]
    message["To"] = Address(display_name=reader.name, addr_spec=reader.email)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(
        message_key, domain=parseaddr(config["MAIL_FROM"])[1].split("@")[-1]
    )
    # Tell mail systems (and out-of-office replies) that no person wrote this.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    return message


def _send(messages: list[tuple[int, EmailMessage]]) -> tuple[list[int], list[int]]:
    """Send over one connection: (sent ids, failed ids). A refused message fails alone; a lost
    connection fails it and every message after it."""
    if not messages:
        return [], []
    config = current_app.config
    sent: list[int] = []
    try:
        smtp = smtplib.SMTP(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config.get("MAIL_TIMEOUT", 10)
        )
    except (OSError, smtplib.SMTPException) as error:
        log.warning("SMTP server %s unreachable: %s", config["MAIL_SERVER"], error)
        return [], [notification_id for notification_id, _ in messages]
    failed: list[int] = []
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        for position, (notification_id, message) in enumerate(messages):
            try:
                smtp.send_message(message)
                sent.append(notification_id)
            except OSError as error:  # SMTPException is an OSError too
                lost = isinstance(error, smtplib.SMTPServerDisconnected) or not isinstance(
                    error, smtplib.SMTPException
                )
                if not lost:
                    log.warning("SMTP refused notification %s: %s", notification_id, error)
                    failed.append(notification_id)
                    continue
                log.warning("SMTP connection lost after %s message(s): %s", len(sent), error)
                failed += [i for i, _ in messages[position:]]
                break
    except (OSError, smtplib.SMTPException) as error:  # STARTTLS or login refused
        log.warning("SMTP session with %s failed: %s", config["MAIL_SERVER"], error)
        failed = [i for i, _ in messages if i not in sent]
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return sent, failed


def _record_outcome(sent: list[int], failed: list[int]) -> dict[str, int]:
    now = utcnow()
    claimed = Notification.email_state == "sending"

    def set_state(condition, **values) -> int:
        return db.session.execute(
            update(Notification)
            .where(claimed, condition)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount

    summary = {"sent": 0, "retrying": 0, "failed": 0}
    if sent:
        summary["sent"] = set_state(Notification.id.in_(sent), email_state="sent", emailed_at=now)
    if failed:
        summary["failed"] = set_state(
            and_(Notification.id.in_(failed), Notification.email_attempts >= MAX_EMAIL_ATTEMPTS),
            email_state="failed",
        )
        summary["retrying"] = set_state(
            and_(Notification.id.in_(failed), Notification.email_attempts < MAX_EMAIL_ATTEMPTS),
            email_state="pending",
        )
    return summary


# ---- after the commit ---------------------------------------------------------------------


def deliver_after_commit() -> None:
    """Once the current transaction has committed, have MAIL_QUEUE send what it left pending
    (once per transaction, however many notifications it made)."""
    scheduled = transaction_cache("notify.mail_scheduled", lambda: [False])
    if scheduled[0]:
        return
    scheduled[0] = True
    after_commit(_hand_over)


def send_after_commit(ids: list[int], summary: dict[str, Any]) -> None:
    """For `tick`: once its claim has committed, send the claimed rows here and now (the
    command is about to exit: a thread would be killed with it) and fill in `summary`."""

    def send() -> None:
        try:
            summary.update(send_claimed(ids))
        except Exception as error:  # claimed rows expire and are retried by a later tick
            log.exception("e-mail delivery failed")
            summary["error"] = type(error).__name__

    after_commit(send)


def _hand_over() -> None:
    app = current_app._get_current_object()
    mode = app.config.get("MAIL_QUEUE", "thread")
    if mode == "thread" and click.get_current_context(silent=True) is not None:
        # A command (tick, demo) is about to exit and would kill the thread mid-send.
        mode = "inline"
    try:
        if mode == "thread":
            _worker(app).put()
        elif mode == "inline":
            deliver_pending()
    except Exception:  # the rows are saved pending: the tick will send them
        log.exception("could not hand the e-mails over for sending")


class _MailWorker:
    """A daemon thread that sends what is pending whenever it is woken; wake-ups that arrive
    while it works are merged into its next round."""

    def __init__(self, app: Flask):
        self.app = app
        self.queue: queue.Queue[None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="relq-mail", daemon=True)
        self.thread.start()

    def put(self) -> None:
        self.queue.put(None)

    def _run(self) -> None:
        while True:
            self.queue.get()
            woken = 1
            while True:
                try:
                    self.queue.get_nowait()
                    woken += 1
                except queue.Empty:
                    break
            try:
                with self.app.app_context():
                    try:
                        while deliver_pending()["claimed"] == BATCH:
                            pass
                    finally:
                        db.session.remove()
            except Exception:
                log.exception("the mail thread failed")
            finally:
                for _ in range(woken):
                    self.queue.task_done()


_workers: dict[int, _MailWorker] = {}
_workers_lock = threading.Lock()


def _worker(app: Flask) -> _MailWorker:
    with _workers_lock:
        worker = _workers.get(id(app))
        if worker is None:
            worker = _workers[id(app)] = _MailWorker(app)
        return worker


def wait_for_mail_worker(app: Flask) -> None:
    """Block until the app's mail thread has nothing left (tests, CLI)."""
    worker = _workers.get(id(app))
    if worker is not None:
        worker.queue.join()
