"""Analysing cases and searching them. Services never commit (see relq.db.transaction)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, inspect, or_, select, text, union_all
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from relq import events, nlp
from relq.analysis.models import NOT_ANALYSED, CaseAnalysis
from relq.analysis.queue import enqueue
from relq.cases.models import Case, Note, voice_of
from relq.db import after_commit, db, transaction, transaction_cache, utcnow
from relq.learning import predict
from relq.tags.services import suggest_tags

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def request_analysis(case: Case) -> None:
    """Mark the case for (re-)analysis and queue it once the transaction has committed (once,
    however often the transaction asks: intake asks for the case and for its first note)."""
    requested = transaction_cache("analysis.requested", set)
    if case.id is not None and case.id in requested:
        return  # already marked in this transaction
    session = db.session()
    now = utcnow()
    row = session.identity_map.get(inspect(CaseAnalysis).identity_key_from_primary_key([case.id]))
    if row is not None:
        row.state, row.requested_at, row.attempts = "pending", now, 0
    elif session.get_bind().dialect.name in ("sqlite", "postgresql"):
        # One statement instead of a read and then an insert or update.
        if inspect(case).pending:
            session.flush()  # the row refers to the case
        upsert = _dialect_insert[session.get_bind().dialect.name](CaseAnalysis.__table__)
        session.execute(
            upsert.values(
                case_id=case.id, state="pending", requested_at=now, attempts=0
            ).on_conflict_do_update(
                index_elements=["case_id"],
                set_={"state": "pending", "requested_at": now, "attempts": 0},
            )
        )
    else:
        found = session.get(CaseAnalysis, case.id)
        if found is None:
            session.add(CaseAnalysis(case_id=case.id, state="pending", requested_at=now))
        else:
            found.state, found.requested_at, found.attempts = "pending", now, 0

    case_id = case.id
    requested.add(case_id)
    after_commit(lambda: enqueue(case_id, analyse_one), key=("analysis", case_id))


_dialect_insert = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}


@dataclass
class Reading:
    """What the NLP read in one case, computed outside any write transaction."""

    voice: nlp.Analysis | None = None
    notes: list[tuple[str, nlp.Analysis]] = field(default_factory=list)
    product_words: str = ""
    predictions: list = field(default_factory=list)
    error: str | None = None


def read_case(case_id: int) -> Reading | None:
    """Run the NLP (and the tag model) on a case. Reads the case, but holds no write lock:
    on SQLite a write transaction around the NLP would keep every other writer waiting for
    it. None if the case does not exist; a Reading with `error` if the NLP failed."""

    case = db.session.get(Case, case_id)
    if case is None:
        return None
    notes = db.session.execute(select(Note.kind, Note.body).where(Note.case_id == case_id)).all()
    try:
        voice = nlp.analyse(voice_of(case))
        return Reading(
            voice=voice,
            notes=[(kind, nlp.analyse(body)) for kind, body in notes],
            product_words=nlp.segment_for_search(case.product) if case.product else "",
            predictions=predict(voice, case),
        )
    except nlp.NLPUnavailable as error:
        log.warning("analysis of case %s failed: %s", case_id, error)
        return Reading(error=str(error)[:255])


def store_reading(case_id: int, reading: Reading | None) -> CaseAnalysis | None:
    """Keep a Reading (inside the caller's write transaction): the analysis row, the search
    index, tag suggestions, and routing by the tag rules. A failed reading marks the row
    failed, to be retried by the backfill."""
    case = db.session.get(Case, case_id)
    if case is None or reading is None:
        return None
    row = db.session.get(CaseAnalysis, case_id)
    if row is None:
        row = CaseAnalysis(case_id=case_id, state="pending", requested_at=utcnow())
        db.session.add(row)
    row.attempts = (row.attempts or 0) + 1
    if reading.error is not None or reading.voice is None:
        row.state, row.error = "failed", reading.error
        db.session.flush()
        return row
    voice = reading.voice
    row.state, row.error = "done", None
    row.language = voice.language
    row.lemmas = " ".join(voice.lemmas)
    row.keyphrases = list(voice.keyphrases)
    row.observation_keyphrases = list(
        dict.fromkeys(p for kind, a in reading.notes if kind == "observation" for p in a.keyphrases)
    )
    words = [voice.search_text, reading.product_words, *(a.search_text for _, a in reading.notes)]
    row.search_text = " ".join(w for w in words if w)
    row.analysed_at = utcnow()
    db.session.flush()
    _index(case_id, row.search_text)
    suggest_tags(case, voice, reading.predictions)
    events.case_analysed.send(case, analysis=row)
    return row


def analyse_case(case_id: int) -> CaseAnalysis | None:
    """Read and store one case inside the caller's transaction (tests, one-off use)."""
    return store_reading(case_id, read_case(case_id))


def analyse_one(case_id: int) -> None:
    """The queue's job (relq/analysis/queue.py): analyse one saved case."""
    analyse_cases([case_id])


def analyse_cases(case_ids: list[int]) -> dict[int, str]:
    """Read the cases without a write lock, then store them in one short write transaction.
    Returns each case's resulting state."""
    readings = {case_id: read_case(case_id) for case_id in case_ids}
    db.session.rollback()  # end the read transaction before taking the write lock
    states: dict[int, str] = {}
    with transaction():
        for case_id, reading in readings.items():
            row = store_reading(case_id, reading)
            states[case_id] = row.state if row is not None else "missing"
    return states


def _index(case_id: int, words: str) -> None:
    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL indexes case_analyses.search_text itself (GIN, see migration 0002)
    db.session.execute(text("DELETE FROM case_search WHERE rowid = :id"), {"id": case_id})
    db.session.execute(
        text("INSERT INTO case_search (rowid, words) VALUES (:id, :words)"),
        {"id": case_id, "words": words},
    )


def waiting_case_ids(
    limit: int | None = None, *, queued_before: datetime | None = None
) -> list[int]:
    """Cases not analysed yet: pending, failed (under the attempt limit), or never queued.
    With `queued_before`, a case pending since that moment or later is left out: a queue
    holds it and will do it (the clock's tick catches up only what a queue lost)."""
    pending = CaseAnalysis.state == "pending"
    if queued_before is not None:
        pending = and_(pending, CaseAnalysis.requested_at < queued_before)
    query = (
        select(Case.id)
        .outerjoin(CaseAnalysis, CaseAnalysis.case_id == Case.id)
        .where(
            or_(
                CaseAnalysis.case_id.is_(None),
                pending,
                and_(CaseAnalysis.state == "failed", CaseAnalysis.attempts < MAX_ATTEMPTS),
            )
        )
        .order_by(Case.id)
    )
    return list(db.session.scalars(query.limit(limit) if limit else query))


BACKFILL_BATCH = 50


def backfill(case_ids: Iterable[int], *, progress: Callable[[int], None] | None = None) -> dict:
    """Analyse the given cases, BACKFILL_BATCH to a write transaction (the NLP runs before
    it, without the lock), reporting progress. If a batch fails, its cases are retried one
    by one, so that one bad case cannot hold back the others. Returns done/failed counts."""
    ids = list(case_ids)
    states: dict[int, str] = {}
    for start in range(0, len(ids), BACKFILL_BATCH):
        batch = ids[start : start + BACKFILL_BATCH]
        try:
            states.update(analyse_cases(batch))
        except Exception:
            log.exception("backfill batch failed; retrying its cases one by one")
            for case_id in batch:
                try:
                    states.update(analyse_cases([case_id]))
                except Exception:
                    log.exception("analysis of case %s failed", case_id)
                    states[case_id] = "failed"
        if progress:
            progress(len(batch))
    done = sum(1 for state in states.values() if state == "done")
    return {"done": done, "failed": len(ids) - done}


# ---- search ----------------------------------------------------------------------------------


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _substring_match(words: list[str], case: Any = Case) -> ColumnElement[bool]:
    return and_(
        *(
            or_(
                case.subject.ilike(_like(w), escape="\\"),
                case.customer_words.ilike(_like(w), escape="\\"),
                case.product.ilike(_like(w), escape="\\"),
            )
            for w in words
        )
    )


def search_condition(query: str) -> ColumnElement[bool]:
    """The condition on Case for a user's free-text query.

    Analysed cases are found through the word index (返金 finds 「返金してほしい」, not 返品);
    cases whose analysis has not run yet are still found by substring, so that a case is
    searchable from the moment it is saved. Without the NLP, substring search for all."""
    words = query.split()[:8]
    try:
        terms = nlp.search_terms(query)[:8]
    except nlp.NLPUnavailable:
        return _substring_match(words)
    if not terms:
        return _substring_match(words)
    if db.engine.dialect.name == "sqlite":
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)
        indexed = Case.id.in_(
            select(text("rowid"))
            .select_from(text("case_search"))
            .where(text("case_search MATCH :q").bindparams(q=match))
        )
        # Only the few cases still waiting for their analysis are scanned by substring (an
        # index on state finds them); every case has its analysis row from the moment it is
        # saved.
        waiting = select(CaseAnalysis.case_id).where(CaseAnalysis.state.in_(NOT_ANALYSED))
        return or_(indexed, and_(Case.id.in_(waiting), _substring_match(words)))
    # PostgreSQL: the words as a tsvector (migration 0014) matched by a query of quoted
    # lexemes, and the waiting cases' substring match, as one IN over a UNION ALL of the two.
    # Apart, each branch is estimated from its own index's statistics (the word's frequency in
    # the tsvector's; the few waiting cases in the state index's), so the planner knows how
    # many cases match: a rare word's ~1,000 cases are read from the word index and sorted
    # (10 ms at 100k cases). OR-ed inside one subquery (session 4) the estimate was a guess
    # (131 rows for 1,017) and a rare word walked 50,000 cases newest first, probing each one's
    # analysis: 135 ms. The price: a common word's cases are read whole too (one case in six at
    # 100k: 82 ms for the page, where the walk took 1 ms but its count 272 ms); see
    # bench/README.md, session 7. (Two IN subqueries OR-ed at the top cannot become joins: both
    # were computed whole, 0.9 s for a word in one case of ten.)
    every_word = text("case_analyses.search_vector @@ CAST(:lexemes AS tsquery)").bindparams(
        lexemes=" & ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms)
    )
    written = aliased(Case)
    waiting = (
        select(CaseAnalysis.case_id)
        .join(written, written.id == CaseAnalysis.case_id)
        .where(CaseAnalysis.state.in_(NOT_ANALYSED), _substring_match(words, written))
    )
    return Case.id.in_(union_all(select(CaseAnalysis.case_id).where(every_word), waiting))
