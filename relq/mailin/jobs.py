"""Where e-mail intake runs: never in a web request.

The clock's step (`tick`) only schedules `mail_job` once the clock's transaction has
committed: on RQ when the installation runs it (REDIS_URL), else in a thread of the worker's
process, or right there when background work is off. `mail_job` polls the IMAP mailbox (when
one is configured), storing what it fetches in chunks, each committed before the messages are
flagged \\Seen on the server (a crash between the two fetches them again: the Message-ID keeps
them single), then processes what waits in batches, each batch one transaction, pausing
between batches so that the web's writers get the database in between (a mail bomb of 10,000
messages is stored at once and worked through, nothing lost, the web still answering).
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from datetime import datetime

from flask import current_app

from relq.background import run_in_background
from relq.db import after_commit, db, transaction
from relq.mailin.services import (
    IntakeUserInvalid,
    Limits,
    MessageTooLarge,
    intake_user,
    process_batch,
    receive_message,
    waiting_count,
)

log = logging.getLogger(__name__)
_running = threading.Lock()  # one mail job at a time in a process


def imap_configured() -> bool:
    return bool(current_app.config.get("MAILIN_IMAP_HOST"))


def tick(now: datetime) -> str:
    """The clock's step: schedule the mail job after the clock's commit. Refuses (says so in
    the log and in the tick's summary) while RELQ_MAIL_INTAKE_USER is missing or invalid."""
    try:
        intake_user()
    except IntakeUserInvalid as error:
        if imap_configured() or waiting_count():
            log.error("e-mail intake stopped: %s", error.words)
            return f"stopped: {error.words}"
        return "off"
    if not imap_configured() and not waiting_count():
        return "nothing waiting"
    after_commit(_schedule, key="mailin.job")
    return "scheduled"


def _schedule() -> None:
    if not run_in_background(mail_job):
        mail_job()


def mail_job() -> None:
    """Poll the mailbox (if configured), then process every waiting message in batches. One
    at a time per process; several processes share the work (PostgreSQL: rows locked with
    SKIP LOCKED; SQLite: one writer)."""
    if not _running.acquire(blocking=False):
        return
    try:
        if imap_configured():
            try:
                poll_mailbox()
            except Exception:  # the next tick polls again; what was stored is kept
                log.exception("IMAP polling failed")
                db.session.rollback()
        try:
            process_waiting()
        except Exception:  # the messages stay received: the next tick goes on with them
            log.exception("processing incoming mail failed")
            db.session.rollback()
    finally:
        _running.release()


def process_waiting(*, limit: int | None = None, progress=None) -> dict[str, int]:
    """Process waiting messages in batches of MAILIN_BATCH_SIZE (one transaction each),
    sleeping MAILIN_BATCH_PAUSE_MS between batches, until none waits (or `limit` were done).
    Raises IntakeUserInvalid before doing anything when the intake user is not valid."""
    config = current_app.config
    size = config["MAILIN_BATCH_SIZE"]
    pause = config["MAILIN_BATCH_PAUSE_MS"] / 1000
    limits = Limits.from_config()
    totals = {"case": 0, "note": 0, "failed": 0}
    done = 0
    while limit is None or done < limit:
        with transaction():
            actor = intake_user()
            counts = process_batch(
                min(size, limit - done) if limit else size, actor=actor, limits=limits
            )
        handled = sum(counts.values())
        for key, value in counts.items():
            totals[key] += value
        done += handled
        if progress is not None:
            progress(handled)
        if handled == 0:
            break
        if pause:
            time.sleep(pause)
    return totals


def _mailbox():
    from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted

    config = current_app.config
    host, port, security = (
        config["MAILIN_IMAP_HOST"],
        config["MAILIN_IMAP_PORT"],
        config["MAILIN_IMAP_SECURITY"],
    )
    timeout = config["MAILIN_IMAP_TIMEOUT"]
    if security == "ssl":
        return MailBox(host, port, timeout=timeout, ssl_context=ssl.create_default_context())
    if security == "starttls":
        return MailBoxStartTls(
            host, port, timeout=timeout, ssl_context=ssl.create_default_context()
        )
    return MailBoxUnencrypted(host, port, timeout=timeout)


def _raw_message_class():
    from imap_tools import MailMessage

    class RawMailMessage(MailMessage):
        """imap-tools' message that also keeps the bytes as the server sent them (its own
        keeps only the parsed object, which would not give the same bytes back)."""

        def __init__(self, fetch_data: list) -> None:
            super().__init__(fetch_data)
            self.raw = self._get_message_data_parts(fetch_data)[0]

    return RawMailMessage


def poll_mailbox() -> int:
    """Fetch the unseen messages of the configured folder and store them (a chunk of
    MAILIN_BATCH_SIZE per transaction), flagging each chunk \\Seen once committed. Returns
    how many were stored (a duplicate is stored once, and counted)."""
    from imap_tools import AND, MailMessageFlags

    config = current_app.config
    chunk_size = config["MAILIN_BATCH_SIZE"]
    stored = 0
    with _mailbox() as box:
        box.email_message_class = _raw_message_class()
        box.login(
            config["MAILIN_IMAP_USER"],
            config["MAILIN_IMAP_PASSWORD"],
            initial_folder=config["MAILIN_IMAP_FOLDER"],
        )
        chunk: list = []

        def store(messages: list) -> int:
            kept = []
            with transaction():
                for item in messages:
                    try:
                        receive_message(item.raw, source="imap")
                    except MessageTooLarge as error:
                        # Left unseen on the server (never dropped): the log says why.
                        log.error("IMAP uid %s: %s bytes, over the limit", item.uid, error.size)
                        continue
                    kept.append(item.uid)
            box.flag([uid for uid in kept if uid], MailMessageFlags.SEEN, True)
            return len(kept)

        for item in box.fetch(
            AND(seen=False),
            mark_seen=False,
            bulk=chunk_size,
            limit=config["MAILIN_IMAP_FETCH_LIMIT"],
        ):
            chunk.append(item)
            if len(chunk) >= chunk_size:
                stored += store(chunk)
                chunk = []
        if chunk:
            stored += store(chunk)
    return stored
