"""Analysing cases and searching them. Services never commit (see relq.db.transaction)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from sqlalchemy import ColumnElement, and_, exists, or_, select, text

from relq import nlp
from relq.analysis.models import CaseAnalysis
from relq.cases.models import Case, Note
from relq.db import after_commit, db, utcnow
from relq.tags.services import suggest_tags

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def request_analysis(case: Case) -> None:
    """Mark the case for (re-)analysis and queue it once the transaction has committed."""
    row = db.session.get(CaseAnalysis, case.id)
    if row is None:
        db.session.add(CaseAnalysis(case_id=case.id, state="pending", requested_at=utcnow()))
    else:
        row.state, row.requested_at, row.attempts = "pending", utcnow(), 0
    from relq.analysis.queue import enqueue

    case_id = case.id
    after_commit(lambda: enqueue(case_id))


def voice_of(case: Case) -> str:
    """The customer's own voice: what themes and tags are read from."""
    return "\n".join(
        part for part in (case.subject, case.customer_words, case.remedy_requested) if part
    )


def analyse_case(case_id: int) -> CaseAnalysis | None:
    """Run the NLP on one case and store the result. On NLPUnavailable the row is marked
    failed (with the error) and the case is retried by the backfill; nothing is raised."""
    case = db.session.get(Case, case_id)
    if case is None:
        return None
    row = db.session.get(CaseAnalysis, case_id)
    if row is None:
        row = CaseAnalysis(case_id=case_id, state="pending", requested_at=utcnow())
        db.session.add(row)
    row.attempts = (row.attempts or 0) + 1
    notes = db.session.execute(select(Note.kind, Note.body).where(Note.case_id == case_id)).all()
    try:
        voice = nlp.analyse(voice_of(case))
        analysed_notes = [(kind, nlp.analyse(body)) for kind, body in notes]
        product = [nlp.segment_for_search(case.product)] if case.product else []
        extra = " ".join([*product, *(a.search_text for _, a in analysed_notes)])
    except nlp.NLPUnavailable as error:
        log.warning("analysis of case %s failed: %s", case_id, error)
        row.state, row.error = "failed", str(error)[:255]
        db.session.flush()
        return row
    row.state, row.error = "done", None
    row.language = voice.language
    row.lemmas = " ".join(voice.lemmas)
    row.keyphrases = list(voice.keyphrases)
    row.observation_keyphrases = list(
        dict.fromkeys(
            p for kind, a in analysed_notes if kind == "observation" for p in a.keyphrases
        )
    )
    row.search_text = f"{voice.search_text} {extra}".strip()
    row.analysed_at = utcnow()
    db.session.flush()
    _index(case_id, row.search_text)
    suggest_tags(case, voice)
    if case.status == "received" and case.responsible_department_id is None:
        from relq.routing.services import route_by_rules
        from relq.tags.services import tag_codes_by_case

        route_by_rules(case, tag_codes=tag_codes_by_case([case.id]).get(case.id, set()))
    return row


def _index(case_id: int, words: str) -> None:
    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL indexes case_analyses.search_text itself (GIN, see migration 0002)
    db.session.execute(text("DELETE FROM case_search WHERE rowid = :id"), {"id": case_id})
    db.session.execute(
        text("INSERT INTO case_search (rowid, words) VALUES (:id, :words)"),
        {"id": case_id, "words": words},
    )


def waiting_case_ids(limit: int | None = None) -> list[int]:
    """Cases not analysed yet: pending, failed (under the attempt limit), or never queued."""
    query = (
        select(Case.id)
        .outerjoin(CaseAnalysis, CaseAnalysis.case_id == Case.id)
        .where(
            or_(
                CaseAnalysis.case_id.is_(None),
                CaseAnalysis.state == "pending",
                and_(CaseAnalysis.state == "failed", CaseAnalysis.attempts < MAX_ATTEMPTS),
            )
        )
        .order_by(Case.id)
    )
    return list(db.session.scalars(query.limit(limit) if limit else query))


BACKFILL_BATCH = 50


def backfill(case_ids: Iterable[int], *, progress: Callable[[int], None] | None = None) -> dict:
    """Analyse the given cases, BACKFILL_BATCH to a transaction (one commit per batch, not per
    case), reporting progress. If a batch fails, its cases are retried one transaction each,
    so that one bad case cannot hold back the others. Returns how many were done or failed."""
    from relq.db import transaction

    ids = list(case_ids)
    states: dict[int, str] = {}

    def run(batch: list[int]) -> None:
        with transaction():
            for case_id in batch:
                row = analyse_case(case_id)
                states[case_id] = row.state if row is not None else "missing"

    for start in range(0, len(ids), BACKFILL_BATCH):
        batch = ids[start : start + BACKFILL_BATCH]
        try:
            run(batch)
        except Exception:
            log.exception("backfill batch failed; retrying its cases one by one")
            for case_id in batch:
                try:
                    run([case_id])
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


def _substring_match(words: list[str]) -> ColumnElement[bool]:
    return and_(
        *(
            or_(
                Case.subject.ilike(_like(w), escape="\\"),
                Case.customer_words.ilike(_like(w), escape="\\"),
                Case.product.ilike(_like(w), escape="\\"),
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
    else:
        # Spelled exactly as in the GIN index's expression, so that the planner uses it.
        every_word = text(
            "string_to_array(case_analyses.search_text, ' ') @> CAST(:terms AS text[])"
        ).bindparams(terms=terms)
        indexed = Case.id.in_(select(CaseAnalysis.case_id).where(every_word))
    analysed = exists().where(CaseAnalysis.case_id == Case.id, CaseAnalysis.state == "done")
    return or_(indexed, and_(~analysed, _substring_match(words)))
