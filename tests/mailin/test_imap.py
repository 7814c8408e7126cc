"""Polling a real IMAP server: Debian's Dovecot (dovecot-imapd, which `make test` installs as
root), started here on a free port with a throwaway configuration, messages APPENDed to it
and fetched through imap-tools. Skips, saying why, where Dovecot is missing or cannot run."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from relq.cases.models import Case
from relq.db import db, transaction, utcnow
from relq.mailin import jobs
from relq.mailin.models import InboundMessage
from tests.mailin.conftest import corpus

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
passdb {{
  driver = static
  args = password=secret
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def imap_server():
    binary = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )
    if binary is None:
        pytest.skip(
            "Dovecot is not installed (apt-get install dovecot-imapd; `make test` does it as root)"
        )
    if os.geteuid() != 0:
        pytest.skip("a throwaway Dovecot needs root here (it switches to the dovecot user)")
    # Not under pytest's tmp_path: the dovecot user must reach it (pytest's is root's, 0700).
    root = Path(tempfile.mkdtemp(prefix="relq-dovecot-"))
    root.chmod(0o755)
    for part in ("mail", "home", "run", "state"):
        (root / part).mkdir()
    shutil.chown(root / "mail", "dovecot", "dovecot")
    shutil.chown(root / "home", "dovecot", "dovecot")
    port = _free_port()
    conf = root / "dovecot.conf"
    conf.write_text(CONFIG.format(root=root, port=port))
    process = subprocess.Popen(  # noqa: S603 (our own binary and file)
        [binary, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    else:
        process.kill()
        pytest.skip("Dovecot did not answer within 15 s")
    if process.poll() is not None:
        log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
        pytest.skip(f"Dovecot did not start: {process.stdout.read().decode()[-300:]} {log[-300:]}")
    yield port
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(root, ignore_errors=True)


def _append(box_of, messages: list[bytes]) -> None:
    from imap_tools import MailBoxUnencrypted

    port, user = box_of
    with MailBoxUnencrypted("127.0.0.1", port).login(user, "secret") as box:
        for raw in messages:
            box.append(raw, "INBOX", dt=None, flag_set=())


def _unseen(box_of) -> int:
    from imap_tools import AND, MailBoxUnencrypted

    port, user = box_of
    with MailBoxUnencrypted("127.0.0.1", port).login(user, "secret") as box:
        return len(box.uids(AND(seen=False)))


_users = itertools.count(1)


@pytest.fixture
def mailbox(app, intake, imap_server):
    """A mailbox of its own on the module's server (any user name logs in: a static passdb)."""
    user = f"support{next(_users)}"
    app.config.update(
        MAILIN_IMAP_HOST="127.0.0.1",
        MAILIN_IMAP_PORT=imap_server,
        MAILIN_IMAP_SECURITY="plain",
        MAILIN_IMAP_USER=user,
        MAILIN_IMAP_PASSWORD="secret",
        MAILIN_IMAP_FOLDER="INBOX",
        MAILIN_BATCH_SIZE=3,
    )
    return imap_server, user


def test_polling_stores_the_bytes_as_sent_and_marks_them_seen(mailbox):
    sent = [
        corpus(n)
        for n in ("iso2022jp_nec.eml", "shift_jis_cp932.eml", "broken.eml", "attachments.eml")
    ]
    _append(mailbox, [*sent, sent[0]])  # the first one twice (a client's resend)
    assert jobs.poll_mailbox() == 5
    stored = db.session.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
    assert len(stored) == 4
    # Byte for byte as the server holds them (Dovecot keeps CRLF lines; IMAP cannot carry a
    # NUL, so Dovecot gave the broken message's NUL back as 0x80).
    assert [m.raw for m in stored] == [*sent[:2], sent[2].replace(b"\x00", b"\x80"), sent[3]]
    assert {m.source for m in stored} == {"imap"}
    assert _unseen(mailbox) == 0
    assert jobs.poll_mailbox() == 0  # nothing new: nothing fetched again


def test_the_clock_polls_and_processes(mailbox):
    _append(mailbox, [corpus("utf8_base64.eml"), corpus("broken.eml")])
    with transaction():
        assert jobs.tick(utcnow()) == "scheduled"
    db.session.rollback()
    statuses = dict(
        db.session.execute(select(InboundMessage.message_key, InboundMessage.status)).all()
    )
    assert statuses == {"utf8-b64@mail.example.jp": "processed", "broken@mail.example.jp": "failed"}
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    # A reply arriving later becomes a note on the same case.
    _append(mailbox, [corpus("reply_gmail_ja.eml")])
    with transaction():
        jobs.tick(utcnow())
    db.session.rollback()
    reply = db.session.scalar(
        select(InboundMessage).where(InboundMessage.message_key == "reply-gmail@mail.example.jp")
    )
    assert reply.outcome == "note"


def test_a_flood_from_the_mailbox_is_all_stored_then_processed(mailbox):
    template = corpus("utf8_qp.eml")
    n = 60
    _append(mailbox, [template.replace(b"<utf8-qp@", f"<imap-{i}@".encode()) for i in range(n)])
    assert jobs.poll_mailbox() == n
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == n
    assert jobs.process_waiting() == {"case": n, "note": 0, "failed": 0}
    assert _unseen(mailbox) == 0


def test_wrong_credentials_store_nothing_and_raise(app, mailbox):
    from imap_tools.errors import MailboxLoginError

    app.config["MAILIN_IMAP_PASSWORD"] = "wrong"
    _append(mailbox, [corpus("euc_jp.eml")])
    with pytest.raises(MailboxLoginError):
        jobs.poll_mailbox()
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 0
