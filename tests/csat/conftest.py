from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from relq.cases.services import CustomerInput
from relq.csat.models import CsatSurvey
from relq.csat.results import monday_of
from relq.csat.services import token_digest
from relq.db import db, utcnow
from tests.factories import make_case
from tests.notify.conftest import free_port, smtp  # noqa: F401 (a real SMTP sink)

LINK = re.compile(r"/csat/s/([A-Za-z0-9_-]{40,64})")


@pytest.fixture
def surveys_at_once(app, smtp):  # noqa: F811
    """Surveys sent at closing (no delay), to the SMTP sink."""
    app.config.update(CSAT_DELAY_HOURS=0, CSAT_DAYS=14)
    return smtp


def closed_case(org, *, email="kyaku@example.jp", language="", opt_out=False, **fields):
    """A case taken in by cs, routed to qa (unless `department`), closed by the operator."""
    return make_case(
        org.operator,
        department=fields.pop("department", org.qa),
        status="closed",
        customer=CustomerInput(
            name="山田 花子", email=email, phone="", language=language, survey_opt_out=opt_out
        ),
        **fields,
    )


def surveys():
    return db.session.scalars(sa.select(CsatSurvey).order_by(CsatSurvey.id)).all()


def link_of(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = LINK.search(body)
    assert match, body
    return match.group(1)


def sent_survey(case, *, token, score=None, comment="", sent_at=None, expires_in_days=14):
    """A survey row as if sent (and answered, with `score`) without e-mail: for results."""
    sent_at = sent_at or utcnow()
    survey = CsatSurvey(
        case_id=case.id,
        department_id=case.responsible_department_id,
        channel=case.channel,
        language="ja",
        state="answered" if score else "sent",
        closed_at=sent_at,
        due_at=sent_at,
        attempts=1,
        token_digest=token_digest(token),
        sent_at=sent_at,
        week_start=monday_of(sent_at),
        expires_at=sent_at + timedelta(days=expires_in_days),
        answered_at=sent_at + timedelta(hours=1) if score else None,
        score=score,
        comment=comment,
    )
    db.session.add(survey)
    db.session.flush()
    return survey


def customer_mail(sink, email="kyaku@example.jp"):
    """What the SMTP sink received for the customer (staff notifications go there too)."""
    return [(rcpt, m) for rcpt, m in sink.messages if email in rcpt]
