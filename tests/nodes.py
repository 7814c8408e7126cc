"""relq served by another operating-system process, for tests of what must hold across nodes.

`serve(db_url)` starts a real server process (its own interpreter, its own caches, its own
connections) on the test's database and stops it afterwards; `Browser` talks to it over HTTP
as a logged-in person would. Nothing is shared with the test process but the database.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

_SERVER = """
import sys
from werkzeug.serving import make_server
from relq import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1]})
make_server("127.0.0.1", int(sys.argv[2]), app, threaded=False).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(db_url: str, *, extra_env: dict[str, str] | None = None):
    """A relq server in a process of its own on `db_url`; yields its base URL."""
    port = free_port()
    env = {**os.environ, "RELQ_CONFIG": "test", **(extra_env or {})}
    process = subprocess.Popen(  # noqa: S603  (relq itself, on the test's database)
        [sys.executable, "-c", _SERVER, db_url, str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_until_up(base: str, process: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{base} did not answer within {timeout} s")


class Browser:
    """A person's session against a server of another process (cookies and CSRF tokens)."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base + path, allow_redirects=False, timeout=30, **kwargs)

    def post(self, path: str, data: dict, *, token_from: str) -> requests.Response:
        page = self.get(token_from)
        match = CSRF.search(page.text)
        assert match, f"no CSRF token on {token_from} ({page.status_code})"
        return self.http.post(
            self.base + path,
            data={"csrf_token": match.group(1), **data},
            allow_redirects=False,
            timeout=30,
        )

    def login(self, email: str, password: str) -> Browser:
        response = self.post("/login", {"email": email, "password": password}, token_from="/login")
        assert response.status_code == 302, response.text[:500]
        return self


def intake_fields(
    subject: str, words: str, *, received_at: str, severity: int = 1, department_id: int = 0
) -> dict[str, str]:
    """The intake form as an operator fills it in (`received_at`: Tokyo time, minutes)."""
    return {
        "intake_token": secrets.token_urlsafe(18),
        "kind": "complaint",
        "channel": "phone",
        "received_at": received_at,
        "severity": str(severity),
        "product": "冷凍パスタ",
        "subject": subject,
        "customer_words": words,
        "remedy_requested": "原因の説明",
        "responsible_department_id": str(department_id),
        "customer_name": "",
        "customer_email": "",
        "customer_phone": "",
        "observation": "",
    }


def acknowledge_minutes(case_id: int) -> int:
    """The acknowledgement clock a case was given (from its deadline policy)."""
    from sqlalchemy import select

    from relq.db import db
    from relq.deadlines.models import CaseDeadline

    return db.session.scalars(
        select(CaseDeadline.allowed_minutes).where(
            CaseDeadline.case_id == case_id, CaseDeadline.kind == "acknowledge"
        )
    ).one()
