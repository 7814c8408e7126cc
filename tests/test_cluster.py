"""The cluster check: two gunicorn nodes (a worker process each) and one `flask relq worker`
on one PostgreSQL database and Redis, as docs/deploy.md describes them.

Cases are logged through both nodes; an admin changes a routing rule, a deadline policy, a
department's name, a user's role and a tag through node A's admin pages, and node B's very next
requests show each change, on every one of its worker processes (gunicorn's access log names
the process that answered each probe, and a check is repeated until each process has answered
it twice). The worker analyses the cases the nodes logged (through RQ) and runs the clock on its own:
nobody runs `flask relq tick`.

PostgreSQL only (`--db=postgresql+psycopg://...`): SQLite is a file on one machine, which
nodes on several machines cannot share. Redis at $REDIS_URL or redis://127.0.0.1:6379/0; the
test works in an empty Redis database of its own (claimed, then flushed), so that neither
another run's queue nor its jobs mix with this one's.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import select

from relq.analysis.models import CaseAnalysis
from relq.cases.models import Case
from relq.db import db, transaction
from relq.deadlines.models import CaseDeadline
from relq.routing.services import RuleInput, save_rule
from relq.tags.services import TagInput, save_tag
from tests.factories import PASSWORD
from tests.nodes import ROOT, Browser, acknowledge_minutes, free_port, intake_fields

pytestmark = pytest.mark.slow

TOKYO = ZoneInfo("Asia/Tokyo")
RQ_QUEUE = "relq"  # the queue the nodes and the worker use (config's RQ_QUEUE is not set)
_CLAIM = "relq:cluster-test:claim"
_probes = itertools.count(1)
_ACCESS = re.compile(r"<(\d+)> \"\S+ \S*[?&]probe=(\d+)\b")


# ---- Redis of the test's own ---------------------------------------------------------------


def _redis_base() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def _with_db(url: str, index: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{index}", parts.query, parts.fragment))


@contextmanager
def _own_redis_db() -> Iterator[str]:
    """A Redis URL on an empty database index claimed for this run, flushed afterwards."""
    from redis import Redis
    from redis.exceptions import RedisError

    base = _redis_base()
    try:
        Redis.from_url(base, socket_connect_timeout=2).ping()
    except (RedisError, OSError, ValueError) as error:
        pytest.skip(f"Redis does not answer at {base}: {error}")
    for index in range(15, 0, -1):
        url = _with_db(base, index)
        redis = Redis.from_url(url, socket_connect_timeout=2)
        try:
            if redis.dbsize() == 0 and redis.set(_CLAIM, os.getpid(), nx=True, ex=3600):
                break
        except RedisError:  # fewer databases than 16: try a lower index
            continue
    else:
        pytest.skip(f"no empty Redis database (1-15) at {base} for the cluster check")
    try:
        yield url
    finally:
        redis.flushdb()


# ---- processes -------------------------------------------------------------------------------


@dataclass
class Node:
    """One gunicorn node: its master process and the access log naming who answered what."""

    name: str
    base: str
    process: subprocess.Popen
    access_log: Path
    output: Path

    def workers(self) -> set[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return {int(c) for c in children}

    def served(self, probe: str) -> int:
        """The pid of the worker process that answered the request carrying `probe`."""
        number = probe.removeprefix("probe=")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for pid, seen in _ACCESS.findall(self.access_log.read_text()):
                if seen == number:
                    return int(pid)
            time.sleep(0.05)
        raise AssertionError(f"node {self.name}: no access log line for {probe}")

    def tail(self) -> str:
        return self.output.read_text()[-3000:]


def _env(db_url: str, redis_url: str, tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        # development: production's secure-only session cookie would never come back over
        # the plain HTTP of this test.
        "RELQ_CONFIG": "development",
        "DATABASE_URL": db_url,
        "SECRET_KEY": "the-same-secret-on-every-node-of-the-cluster",
        "RELQ_INSTANCE_PATH": str(tmp_path / "instance"),
        "REDIS_URL": redis_url,  # alone: the analysis goes to RQ
        "RELQ_TICK_INTERVAL": "2",
        "MAIL_SERVER": "",
    }
    env.pop("RELQ_ANALYSIS_QUEUE", None)
    return env


def _start_node(name: str, env: dict[str, str], tmp_path: Path) -> Node:
    port = free_port()
    access_log = tmp_path / f"access-{name}.log"
    access_log.touch()
    output = tmp_path / f"node-{name}.out"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = _spawn(
        [
            str(gunicorn),
            "-w",
            str(WORKERS_PER_NODE),
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            '%(p)s "%(r)s" %(s)s',
            "wsgi:app",
        ],
        env,
        output,
    )
    return Node(name, f"http://127.0.0.1:{port}", process, access_log, output)


def _start_worker(env: dict[str, str], tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    output = tmp_path / "worker.out"
    return _spawn([sys.executable, "-m", "flask", "relq", "worker"], env, output), output


def _spawn(args: list[str], env: dict[str, str], output: Path) -> subprocess.Popen:
    """relq's own programs (gunicorn on wsgi:app, its CLI), their output kept in `output`."""
    with output.open("w") as out:
        return subprocess.Popen(  # noqa: S603  (relq's own programs on the test's database)
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# One worker process per node: with two, gunicorn's sync workers share the listening socket
# and, under load, one of them can take every request for a while, so a check that waits for
# both to answer is flaky. Two nodes already make two processes.
WORKERS_PER_NODE = 1


def _ready(node: Node) -> None:
    """The node's worker up and answering (a worker still importing relq holds a connection it
    accepted: the first requests may time out rather than be refused)."""
    deadline = time.monotonic() + 90
    while True:
        assert node.process.poll() is None, node.tail()
        assert time.monotonic() < deadline, f"node {node.name} did not come up: {node.tail()}"
        try:
            up = requests.get(f"{node.base}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            up = False
        if up and len(node.workers()) == WORKERS_PER_NODE:
            return
        time.sleep(0.2)


def on_every_worker(node: Node, check: Callable[[str], None], *, at_most: int = 30) -> None:
    """Run `check(probe)` (a request to `node` carrying the query `probe`) until each of the
    node's worker processes has answered it at least twice: every answer must pass."""
    workers = node.workers()
    answered: dict[int, int] = {}
    for _ in range(at_most):
        probe = f"probe={next(_probes)}"
        check(probe)
        pid = node.served(probe)
        answered[pid] = answered.get(pid, 0) + 1
        if all(answered.get(w, 0) >= 2 for w in workers):
            return
    raise AssertionError(f"node {node.name}: workers {workers} answered {answered}")


# ---- what people do --------------------------------------------------------------------------


def _local(moment: datetime) -> str:
    return moment.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")


def _intake(
    browser: Browser,
    probe: str,
    subject: str,
    words: str,
    *,
    severity: int = 1,
    received_ago: timedelta = timedelta(hours=1),
    department_id: int = 0,
) -> Case:
    response = browser.post(
        f"/cases/new?{probe}",
        intake_fields(
            subject,
            words,
            received_at=_local(datetime.now(TOKYO) - received_ago),
            severity=severity,
            department_id=department_id,
        ),
        token_from="/cases/new",
    )
    assert response.status_code == 302, response.text[:800]
    db.session.rollback()  # a new transaction: see what the node committed
    return db.session.scalars(select(Case).where(Case.subject == subject)).one()


def _admin_post(admin: Browser, path: str, data: dict) -> None:
    response = admin.post(path, data, token_from=path)
    assert response.status_code == 302, f"{path}: {response.status_code} {response.text[:800]}"


def _wait_for(what: str, condition: Callable[[], bool], timeout: float, tail: Callable) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {timeout} s; worker: {tail()}"
        time.sleep(0.5)


# ---- the check -------------------------------------------------------------------------------


def test_two_nodes_and_a_worker_on_postgresql_and_redis_agree_at_the_next_request(
    request, tmp_path
):
    if request.config.getoption("--db") == "sqlite":
        pytest.skip(
            "the cluster check needs PostgreSQL (--db=postgresql+psycopg://...): nodes on "
            "several machines cannot share one SQLite file"
        )
    with _own_redis_db() as redis_url:
        org = request.getfixturevalue("org")
        db_url = request.getfixturevalue("db_url")
        _check_cluster(org, db_url, redis_url, tmp_path)


def _check_cluster(org, db_url: str, redis_url: str, tmp_path: Path) -> None:
    with transaction():
        foreign = save_rule(
            RuleInput("異物は品質保証部へ", org.qa.id, {"words": ["異物"]}), actor=org.admin
        )
        save_rule(
            RuleInput("配送は物流部へ", org.logistics.id, {"words": ["配送"]}), actor=org.admin
        )
        category = save_tag(TagInput("cat-x", "分類X", "Category X", None, []), actor=org.admin)
    foreign_id, category_id = foreign.id, category.id
    qa_id, logistics_id = org.qa.id, org.logistics.id
    lead = org.lead_logistics

    env = _env(db_url, redis_url, tmp_path)
    a = _start_node("A", env, tmp_path)
    b = _start_node("B", env, tmp_path)
    worker, worker_output = _start_worker(env, tmp_path)

    def worker_tail() -> str:
        return worker_output.read_text()[-3000:]

    try:
        _ready(a)
        _ready(b)
        assert worker.poll() is None, worker_tail()
        logged: list[int] = []
        subjects = (f"案件{n}" for n in itertools.count(1))

        # One login, on node A, serves on node B as well (one SECRET_KEY, sessions in the DB).
        operator_a = Browser(a.base).login(org.operator.email, PASSWORD)
        operator_b = Browser(b.base)
        operator_b.http = operator_a.http
        admin = Browser(a.base).login(org.admin.email, PASSWORD)
        lead_b = Browser(b.base)
        lead_b.http = Browser(a.base).login(lead.email, PASSWORD).http

        # A severity-1 case received a week ago and routed at once: its clocks have lapsed.
        lapsed = _intake(
            operator_b,
            f"probe={next(_probes)}",
            "一週間前の重大な苦情",
            "一週間前に異物が入っていました",
            received_ago=timedelta(days=7),
            department_id=qa_id,
        )
        logged.append(lapsed.id)

        # Cases logged through both nodes warm every worker process of each: rules, policies,
        # departments, tags, the case list, the logins.
        def routed_to_qa_in_60_minutes(browser: Browser) -> Callable[[str], None]:
            def check(probe: str) -> None:
                case = _intake(browser, probe, next(subjects), "配送された箱に異物が入っていた")
                logged.append(case.id)
                assert case.responsible_department_id == qa_id
                assert acknowledge_minutes(case.id) == 60

            return check

        on_every_worker(a, routed_to_qa_in_60_minutes(operator_a))
        on_every_worker(b, routed_to_qa_in_60_minutes(operator_b))

        def old_form(probe: str) -> None:
            page = operator_b.get(f"/cases/new?{probe}").text
            assert "品質保証部" in page and "品質管理本部" not in page

        def old_tags(probe: str) -> None:
            page = operator_b.get(f"/cases/?{probe}")
            assert page.status_code == 200 and "液漏れX" not in page.text

        def lead_reads(probe: str) -> None:
            assert lead_b.get(f"/cases/?{probe}").status_code == 200

        for check in (old_form, old_tags, lead_reads):
            on_every_worker(b, check)

        # 1. A routing rule disabled on A: B's next intakes are routed by the next rule.
        _admin_post(
            admin,
            f"/admin/routing/{foreign_id}",
            {
                "name": "異物は品質保証部へ",
                "department_id": str(qa_id),
                "words": "異物",
                "action": "save",
            },  # is_active left out: unchecked
        )

        def routed_past_the_disabled_rule(probe: str) -> None:
            case = _intake(operator_b, probe, next(subjects), "配送された箱に異物が入っていた")
            logged.append(case.id)
            assert case.responsible_department_id == logistics_id, "routed by a disabled rule"

        on_every_worker(b, routed_past_the_disabled_rule)

        # 2. The severity-1 acknowledgement time changed on A from 60 to 999 minutes.
        _admin_post(
            admin,
            "/admin/deadlines/1",
            {
                "acknowledge_hours": "16",
                "acknowledge_minutes": "39",
                "first_response_hours": "2",
                "first_response_minutes": "0",
                "resolution_hours": "18",
                "resolution_minutes": "0",
                "warn_hours": "0",
                "warn_minutes": "30",
            },
        )

        def clocked_by_the_new_policy(probe: str) -> None:
            case = _intake(operator_b, probe, next(subjects), "配送された箱が潰れていた")
            logged.append(case.id)
            assert acknowledge_minutes(case.id) == 999, "the old deadline policy"

        on_every_worker(b, clocked_by_the_new_policy)

        # 3. A department renamed on A: B's intake form offers the new name.
        _admin_post(
            admin,
            f"/admin/departments/{qa_id}",
            {"code": "qa", "name_ja": "品質管理本部", "name_en": "QA Division", "is_active": "y"},
        )

        def new_name_in_form(probe: str) -> None:
            page = operator_b.get(f"/cases/new?{probe}").text
            assert "品質管理本部" in page and "品質保証部" not in page, "the old department name"

        on_every_worker(b, new_name_in_form)

        # 4. A lead made an executive on A: their login ends on B too. The same cookie each
        # time (what the redirect sets is thrown away), as a copy kept by an attacker would be.
        cookies = lead_b.http.cookies.copy()
        _admin_post(
            admin,
            f"/admin/users/{lead.id}",
            {
                "name": lead.name,
                "role": "executive",
                "department_id": str(logistics_id),
                "is_active": "y",
            },
        )

        def login_ended(probe: str) -> None:
            lead_b.http.cookies = cookies.copy()
            response = lead_b.get(f"/cases/?{probe}")
            assert response.status_code == 302, "the login outlived the role change"
            assert "/login" in response.headers["Location"]

        on_every_worker(b, login_ended)

        # 5. A tag added on A: B's case list offers it in its tag filter.
        _admin_post(
            admin,
            "/admin/tags/new",
            {
                "code": "x-leak",
                "parent_id": str(category_id),
                "name_ja": "液漏れX",
                "name_en": "Leak X",
                "triggers": "液漏れ",
                "is_active": "y",
            },
        )

        def new_tag_in_filter(probe: str) -> None:
            assert "液漏れX" in operator_b.get(f"/cases/?{probe}").text, "no new tag in the filter"

        on_every_worker(b, new_tag_in_filter)

        # The worker analysed every case the nodes logged, through the RQ queue...
        def none_pending() -> bool:
            db.session.rollback()
            states = db.session.scalars(
                select(CaseAnalysis.state).where(CaseAnalysis.case_id.in_(logged))
            ).all()
            return len(states) == len(logged) and "pending" not in states

        _wait_for("every logged case analysed", none_pending, 90, worker_tail)
        assert worker.poll() is None, worker_tail()
        _assert_analysed_through_rq(redis_url, logged)

        # ...and ticked on its own: the lapsed case's clocks are marked missed.
        def lapsed_clocks_missed() -> bool:
            db.session.rollback()
            missed = db.session.scalars(
                select(CaseDeadline.kind).where(
                    CaseDeadline.case_id == lapsed.id, CaseDeadline.missed_at.is_not(None)
                )
            ).all()
            return {"first_response", "resolution"} <= set(missed)

        _wait_for("the lapsed clocks marked missed", lapsed_clocks_missed, 30, worker_tail)
        for node in (a, b):
            assert node.process.poll() is None, node.tail()
    finally:
        for process in (a.process, b.process, worker):
            _stop(process)


def _assert_analysed_through_rq(redis_url: str, case_ids: list[int]) -> None:
    from redis import Redis
    from rq import Queue
    from rq.job import Job

    redis = Redis.from_url(redis_url)
    queue = Queue(RQ_QUEUE, connection=redis)
    finished = Job.fetch_many(queue.finished_job_registry.get_job_ids(), connection=redis)
    analysed = {job.args[0] for job in finished if job is not None}
    assert set(case_ids) <= analysed, f"not analysed through RQ: {set(case_ids) - analysed}"
    assert queue.failed_job_registry.count == 0
