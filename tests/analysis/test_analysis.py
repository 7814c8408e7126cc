"""Cases are read after they are saved: the NLP never blocks or loses a case."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from relq import nlp
from relq.analysis.models import CaseAnalysis
from relq.analysis.queue import wait_for_thread_worker
from relq.cases.models import Case
from relq.cases.services import add_note, update_case
from relq.db import db, transaction
from tests.factories import make_case

REF = re.compile(r"<td class=\"ref\"><a [^>]*>(C-\d{4}-\d{6})<")


def _analysis(case_id):
    db.session.rollback()
    return db.session.get(CaseAnalysis, case_id)


def _log(org, **fields):
    with transaction():
        case = make_case(org.operator, department=org.qa, **fields)
    return case.id


@pytest.fixture
def inline(app):
    app.config["ANALYSIS_QUEUE"] = "inline"
    return app


def test_saved_case_is_pending_until_analysed(org, app):
    case_id = _log(org)  # ANALYSIS_QUEUE is "off" in tests by default
    row = _analysis(case_id)
    assert row.state == "pending" and row.lemmas == ""


def test_inline_analysis_reads_japanese(org, inline):
    case_id = _log(
        org,
        subject="返金の依頼",
        customer_words="届いた電気ケトルの蓋が閉まらない。返金してほしい。",
    )
    row = _analysis(case_id)
    assert row.state == "done" and row.language == "ja"
    assert "返金" in row.lemmas.split() and "閉まる" in row.lemmas.split()
    assert "電気ケトル" in row.keyphrases


def test_english_case(org, inline):
    case_id = _log(
        org,
        subject="Refund please",
        customer_words="The kettle lids were broken when they arrived.",
    )
    row = _analysis(case_id)
    assert row.language == "en"
    assert {"kettle", "lid", "break"} <= set(row.lemmas.split())


def test_a_failing_nlp_saves_the_case_and_backfill_catches_up(org, inline, monkeypatch, app):
    def broken(*_args, **_kwargs):
        raise nlp.NLPUnavailable("pipeline missing")

    monkeypatch.setattr(nlp, "analyse", broken)
    case_id = _log(org, customer_words="異物が入っていた")
    db.session.rollback()
    assert db.session.get(Case, case_id) is not None  # the case is saved
    row = _analysis(case_id)
    assert row.state == "failed" and "pipeline missing" in row.error
    monkeypatch.undo()
    result = app.test_cli_runner().invoke(args=["relq", "nlp", "backfill"])
    assert result.exit_code == 0, result.output
    assert "Analysed 1 cases" in result.output
    assert _analysis(case_id).state == "done"


def test_backfill_takes_cases_saved_before_analysis_existed(org, app):
    ids = [_log(org) for _ in range(3)]
    with transaction():
        db.session.execute(sa.delete(CaseAnalysis).where(CaseAnalysis.case_id == ids[0]))
    result = app.test_cli_runner().invoke(args=["relq", "nlp", "backfill"])
    assert "Analysed 3 cases" in result.output
    assert {_analysis(i).state for i in ids} == {"done"}
    again = app.test_cli_runner().invoke(args=["relq", "nlp", "backfill"])
    assert "No case is waiting" in again.output


def test_thread_worker(org, app):
    app.config["ANALYSIS_QUEUE"] = "thread"
    case_id = _log(org, customer_words="炊飯器にE3エラーが表示される")
    wait_for_thread_worker(app)
    assert _analysis(case_id).state == "done"


def test_rq_worker_on_redis(org, app):
    redis = pytest.importorskip("redis")
    from rq import Queue, SimpleWorker

    url = "redis://127.0.0.1:6379/15"
    try:
        connection = redis.Redis.from_url(url, socket_connect_timeout=1)
        connection.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"Redis is not reachable at {url}: {error}")
    connection.flushdb()
    app.config.update(ANALYSIS_QUEUE="rq", REDIS_URL=url)
    case_id = _log(org, customer_words="配送が遅れている")
    queue = Queue("relq", connection=connection)
    assert queue.count == 1
    assert _analysis(case_id).state == "pending"
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert _analysis(case_id).state == "done"
    connection.flushdb()


def test_search_finds_words_not_substrings(org, inline, login_as):
    refund = _log(
        org, subject="返金のお願い", customer_words="商品が壊れていたので返金してほしい。"
    )
    returns = _log(org, subject="返品の手続き", customer_words="返品の方法を教えてください。")
    client = login_as(org.operator)
    ref = lambda i: db.session.get(Case, i).ref  # noqa: E731

    def found(query):
        return REF.findall(client.get(f"/cases/?q={query}&scope=all").get_data(as_text=True))

    assert found("返金") == [ref(refund)]
    assert found("返品") == [ref(returns)]
    assert found("返金したい") == [ref(refund)]  # the query is read the same way
    assert set(found("ほしい 返金")) == {ref(refund)}


def test_edits_and_notes_are_searchable(org, inline, login_as):
    case_id = _log(org, subject="問い合わせ", customer_words="使い方がわからない")
    with transaction():
        case = db.session.get(Case, case_id)
        add_note(case, actor=org.operator, kind="observation", body="取扱説明書の図が古い版だった")
    with transaction():
        case = db.session.get(Case, case_id)
        update_case(
            case,
            actor=org.operator,
            changes={"product": "オーブントースター"},
            expected_version=case.version,
        )
    client = login_as(org.operator)
    ref = db.session.get(Case, case_id).ref
    for query in ("取扱説明書", "トースター"):
        html = client.get(f"/cases/?q={query}").get_data(as_text=True)
        assert REF.findall(html) == [ref], query


def test_unanalysed_cases_are_still_found(org, login_as):
    case_id = _log(org, subject="冷凍パスタの異物", customer_words="黒い破片が入っていた")
    assert _analysis(case_id).state == "pending"
    html = login_as(org.operator).get("/cases/?q=破片").get_data(as_text=True)
    assert REF.findall(html) == [db.session.get(Case, case_id).ref]


def test_words_with_quotes_backslashes_and_operators_are_searched_as_words(org, inline, login_as):
    """On PostgreSQL the words become a tsquery: its quotes and operators must be escaped, not
    read (a search for it's or a&b is a search, never a syntax error)."""
    tricky = _log(
        org,
        subject="Order can't be placed",
        customer_words="The page says it's broken: a&b | c\\d (error:42) 'quoted' !bang",
    )
    other = _log(org, subject="Delivery late", customer_words="The parcel is late again")
    client = login_as(org.operator)
    ref = db.session.get(Case, tricky).ref
    for query in ("it's", "a&b", "c\\d", "error:42", "'quoted'", "!bang", "broken |"):
        response = client.get("/cases/", query_string={"q": query, "scope": "all"})
        assert response.status_code == 200, query
        found = REF.findall(response.get_data(as_text=True))
        assert db.session.get(Case, other).ref not in found, query
    assert REF.findall(
        client.get("/cases/", query_string={"q": "broken", "scope": "all"}).get_data(as_text=True)
    ) == [ref]


def test_the_tick_leaves_a_freshly_queued_case_to_its_queue_and_catches_up_a_lost_one(org, app):
    fresh, lost = _log(org), _log(org)
    # As if both were queued with RQ (two nodes and a worker) and the second job was lost.
    app.config["ANALYSIS_QUEUE"] = "rq"
    with transaction():
        db.session.get(CaseAnalysis, lost).requested_at -= timedelta(
            seconds=app.config["ANALYSIS_GRACE_S"] + 1
        )
    from relq.tick import tick

    assert tick().analysed == {"done": 1, "failed": 0}
    assert _analysis(fresh).state == "pending"  # the worker's RQ job will do it
    assert _analysis(lost).state == "done"

    app.config["ANALYSIS_QUEUE"] = "off"  # no queue at all: the tick is the only one
    tick()
    assert _analysis(fresh).state == "done"


@pytest.mark.slow
def test_backfill_in_two_processes_analyses_every_waiting_case_once(org, app):
    """`--processes 2`: two spawned processes on the same database share the waiting cases;
    each case is read and written once, and a case that was done stays done."""
    ids = [_log(org, customer_words=f"炊飯器のふたが閉まらない {i}") for i in range(7)]
    result = app.test_cli_runner().invoke(args=["relq", "nlp", "backfill", "--processes", "2"])
    assert result.exit_code == 0, result.output
    assert "Analysed 7 cases; 0 failed" in result.output
    rows = [_analysis(i) for i in ids]
    assert {row.state for row in rows} == {"done"}
    assert all(row.search_text for row in rows), [row.search_text for row in rows]
    again = app.test_cli_runner().invoke(args=["relq", "nlp", "backfill", "--processes", "2"])
    assert "No case is waiting" in again.output
