"""Two processes send the same week's digest at the same moment (two workers' clocks, or a
worker and `flask relq digest --send`), on one SQLite file or one PostgreSQL database: each
reader receives it once. Threads of one process share SQLite's in-process writer lock; here
only the database itself keeps them apart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from relq.db import db
from relq.digest.delivery import DigestDelivery
from relq.digest.models import DigestSnapshot
from tests.digest import test_delivery
from tests.factories import make_user

pytestmark = pytest.mark.slow

mail = test_delivery.mail
week_of_cases = test_delivery.week_of_cases

ROOT = Path(__file__).resolve().parents[2]
# One sender: relq's test configuration on the given database and SMTP port; once its app is
# built it says so (a file in `ready`) and waits for the other's, so that both send at once, then
# prints its counts.
_SENDER = """
import json, os, sys, time
from datetime import datetime
from pathlib import Path
import config as settings
from relq import create_app
from relq.digest.delivery import send_week
from relq.digest.week import IsoWeek

url, port, ready, now = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]

class Config(settings.TestConfig):
    SQLALCHEMY_DATABASE_URI = url
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = port

app = create_app(Config)
with app.app_context():
    (ready / str(os.getpid())).touch()
    deadline = time.monotonic() + 180
    while len(list(ready.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    counts = send_week(IsoWeek(2026, 48), now=datetime.fromisoformat(now))
print(json.dumps(counts))
"""


def test_two_processes_sending_at_once_send_each_reader_once(
    app, org, mail, week_of_cases, db_url, tmp_path
):
    for n in range(6):
        make_user("executive", org.qa, name=f"役員 {n}", locale="en" if n % 2 else "ja")
    db.session.commit()
    ready = tmp_path / "ready"
    ready.mkdir()
    env = {**os.environ, "RELQ_CONFIG": "test"}
    senders = [
        subprocess.Popen(  # noqa: S603  (relq itself, on the test's database)
            [
                sys.executable,
                "-c",
                _SENDER,
                db_url,
                str(app.config["MAIL_PORT"]),
                str(ready),
                test_delivery.MONDAY_8.isoformat(),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outcomes = []
    for sender in senders:
        out, err = sender.communicate(timeout=240)
        assert sender.returncode == 0, err.decode()[-3000:]
        outcomes.append(json.loads(out.decode().strip().splitlines()[-1]))

    readers = 3 + 1 + 6  # three leads, the executive and six more
    assert sum(o["sent"] for o in outcomes) == readers
    assert sum(o["claimed"] for o in outcomes) == readers
    recipients = [tuple(rcpt) for rcpt, _m in mail.messages]
    assert len(recipients) == readers and len(set(recipients)) == readers
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DigestDelivery)) == readers
    # One snapshot per scope, whichever process built it.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DigestSnapshot)) == 4
