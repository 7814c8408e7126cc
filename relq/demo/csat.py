"""Demo CSAT: a survey for every closed demo case whose customer left an e-mail address, sent a
day after closing (RELQ_CSAT_DELAY_HOURS' default), answered by about two customers in three
with a believable spread per department (物流部 the least liked, お客様相談室 the most), a
comment in one answer of three in the customer's language, a few customers who said "do not ask
me again", and the newest closings still waiting for the clock. Deterministic per case.

The rows are inserted directly (the cases were closed in the past, before there was a clock to
send them); each sent survey carries its "csat.sent" audit event at the time it went out, and
its link's digest is of a token nobody keeps, as for a live survey.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from relq.audit.models import AuditEvent
from relq.cases.models import Case, Customer
from relq.csat.models import CsatSurvey
from relq.csat.results import monday_of
from relq.db import db

DELAY = timedelta(hours=24)
LIFETIME = timedelta(days=14)
RESPONSE_RATE = 0.66
OPT_OUT_EVERY = 29  # one customer in about 29 said "do not ask me again"
# Per department code: the weights of the scores 1..5.
SCORES = {
    "cs": (2, 3, 8, 35, 52),
    "qa": (5, 8, 17, 40, 30),
    "logistics": (14, 18, 24, 28, 16),
    "sales": (4, 7, 18, 41, 30),
    "accounting": (6, 10, 22, 38, 24),
    "it": (5, 9, 20, 40, 26),
}
DEFAULT_SCORES = (5, 8, 20, 39, 28)
COMMENTS = {
    "ja": {
        "low": [
            "何度も同じ説明をしなければならず、時間がかかりました。",
            "回答までに時間がかかりすぎです。",
            "結局、原因がよく分かりませんでした。",
            "配送の遅れについて、もっと早く連絡が欲しかったです。",
        ],
        "mid": [
            "対応はしていただけましたが、もう少し早いと助かります。",
            "説明は分かりやすかったですが、手続きが面倒でした。",
        ],
        "high": [
            "丁寧に対応していただき、ありがとうございました。",
            "すぐに交換品を送っていただき助かりました。",
            "担当の方の説明がとても分かりやすかったです。",
            "電話がつながりやすく、安心しました。",
        ],
    },
    "en": {
        "low": ["It took far too long to get an answer.", "I had to explain everything twice."],
        "mid": ["Solved in the end, but it could have been quicker."],
        "high": ["Very helpful staff, thank you.", "Quick replacement, much appreciated."],
    },
}


def _band(score: int) -> str:
    return "low" if score <= 2 else "mid" if score == 3 else "high"


def _language(case: Case) -> str:
    return "en" if case.subject.isascii() else "ja"


def load_demo_csat(now: datetime) -> int:
    """Surveys on the demo's closed cases; returns how many were answered."""
    rows = db.session.execute(
        select(Case, Customer)
        .join(Customer, Customer.id == Case.customer_id)
        .where(Case.status == "closed", Customer.email.is_not(None))
        .order_by(Case.id)
    ).all()
    answered = 0
    opted_out: set[int] = set()
    for case, customer in rows:
        rng = random.Random(f"csat-{case.id}")
        language = _language(case)
        if customer.language is None:
            customer.language = language
        if customer.id in opted_out or customer.survey_opt_out:
            continue
        closed_at = case.updated_at
        due_at = closed_at + DELAY
        survey = CsatSurvey(
            case_id=case.id,
            department_id=case.responsible_department_id,
            channel=case.channel,
            language=customer.language,
            closed_at=closed_at,
            due_at=due_at,
            attempts=0,
            comment="",
            created_at=closed_at,
        )
        db.session.add(survey)
        if due_at > now:
            survey.state = "pending"  # the clock sends it once it is due
            continue
        survey.state = "sent"
        survey.attempts = 1
        survey.token_digest = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
        survey.sent_at = due_at
        survey.week_start = monday_of(due_at)
        survey.expires_at = due_at + LIFETIME
        if rng.random() < RESPONSE_RATE:
            answered_at = due_at + timedelta(hours=rng.uniform(0.5, 96))
            if answered_at < min(now, survey.expires_at):
                code = case.responsible_department.code if case.responsible_department else ""
                weights = SCORES.get(code, DEFAULT_SCORES)
                score = rng.choices((1, 2, 3, 4, 5), weights=weights)[0]
                survey.state = "answered"
                survey.score = score
                survey.answered_at = answered_at
                if rng.random() < 0.35:
                    survey.comment = rng.choice(COMMENTS[survey.language][_band(score)])
                answered += 1
        db.session.flush()
        db.session.add(
            AuditEvent(
                at=due_at,
                actor_id=None,
                action="csat.sent",
                entity_type="csat_survey",
                entity_id=survey.id,
                case_id=case.id,
                after={"language": survey.language, "attempt": 1},
            )
        )
        if survey.state == "answered" and customer.id % OPT_OUT_EVERY == 0:
            opted_out.add(customer.id)
            customer.survey_opt_out = True
            db.session.add(
                AuditEvent(
                    at=survey.answered_at + timedelta(minutes=1),
                    actor_id=None,
                    action="customer.survey_opt_out",
                    entity_type="customer",
                    entity_id=customer.id,
                    case_id=case.id,
                    before={"survey_opt_out": False},
                    after={"survey_opt_out": True},
                )
            )
    db.session.flush()
    return answered
