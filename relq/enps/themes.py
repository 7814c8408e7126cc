"""Comment themes: what the reasons given with the scores talk about.

The clock's step (`tick`, wired as the eNPS capability's tick) reads the reasons that have not
been read yet through relq.nlp, the same analysis cases get (Sudachi on the default path):
each reason's key phrases (noun compounds such as 評価制度) and the content words that are not
already part of a phrase (lemmas: 忙しい, 残業), kept in SurveyResponse.reason_terms, one term a
line, each term once per answer. Nothing about the answer but its text is read.

Themes are shown only where the gate lets the comments themselves be shown
(`gate.Release.comments_shown`: the company, or a department with enough comments and a hidden
rest of 0 or >= min_comments): a term count is a summary of those comments, and counting terms
where the verbatims are hidden would give away a small group's words by difference. Counts are
answers that used the term; terms used by a single answer are left out of the list.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from relq import nlp
from relq.db import db
from relq.enps import gate
from relq.enps.gate import Group, Suppressed
from relq.enps.models import SurveyResponse

log = logging.getLogger(__name__)

BATCH = 200  # reasons read per tick (~0.3 s of NLP; the tick's transaction stays short)
TOP = 15
MIN_MENTIONS = 2
SEPARATOR = "\n"


def terms_of(text: str) -> list[str]:
    """The reason's key phrases, then its content words not inside one of them; each once."""
    analysis = nlp.analyse(text)
    phrases = list(dict.fromkeys(analysis.keyphrases))
    words = [w for w in dict.fromkeys(analysis.lemmas) if not any(w in p for p in phrases)]
    return [t.replace(SEPARATOR, " ") for t in phrases + words if t.strip()]


def read_reasons(limit: int = BATCH) -> int:
    """Fill reason_terms for up to `limit` unread reasons; returns how many were read. Stops
    (to try again at the next tick) when the NLP is unavailable."""
    rows = db.session.execute(
        select(SurveyResponse.id, SurveyResponse.reason)
        .where(SurveyResponse.reason_terms.is_(None), SurveyResponse.reason != "")
        .limit(limit)
    ).all()
    done = 0
    for response_id, reason in rows:
        try:
            terms = terms_of(reason)
        except nlp.NLPUnavailable as error:
            log.warning("eNPS reasons not read: %s", error)
            break
        db.session.execute(
            update(SurveyResponse)
            .where(SurveyResponse.id == response_id)
            .values(reason_terms=SEPARATOR.join(terms))
        )
        done += 1
    return done


def tick(now: datetime) -> dict:
    """The clock's step: read the reasons that have come in since the last tick."""
    return {"reasons_read": read_reasons()}


@dataclass(frozen=True)
class Themes:
    terms: list[tuple[str, int]]  # (term, answers that used it), most used first
    comments: int  # answers with a reason in the group
    unread: int  # reasons not read by the NLP yet


def themes(group: Group, *, top: int = TOP) -> Themes | Suppressed:
    """The group's most used terms with counts, where its comments may be shown; else the
    gate's Suppressed (threshold: min_comments)."""
    rel = gate.release(group.round_id, bands=group.band is not None)
    if rel is None:
        return Suppressed(gate.NO_ROUND, gate.MIN_COMMENTS_FLOOR)
    if not rel.comments_shown(group):
        reason = gate.OPEN if not rel.is_shown_status else gate.SMALL
        return Suppressed(reason, rel.kc)
    query = select(SurveyResponse.reason_terms).where(
        SurveyResponse.round_id == group.round_id, SurveyResponse.reason != ""
    )
    if group.department_id is not None:
        query = query.where(SurveyResponse.department_id == group.department_id)
    counter: Counter[str] = Counter()
    comments = unread = 0
    for (stored,) in db.session.execute(query):
        comments += 1
        if stored is None:
            unread += 1
            continue
        counter.update(set(t for t in stored.split(SEPARATOR) if t))
    terms = [(t, n) for t, n in counter.most_common() if n >= MIN_MENTIONS][:top]
    return Themes(terms=terms, comments=comments, unread=unread)
