"""CSAT: planning a survey when a case closes, sending it, and the customer's answer.

- `plan_survey` (the case_transitioned receiver, on "close"): a survey for a closed case whose
  customer has an e-mail address and has not opted out, once per case, due
  RELQ_CSAT_DELAY_HOURS after closing. A reopened case cancels a survey not yet sent; closed
  again, it is due again from then. Without e-mail configured (MAIL_SERVER) nothing is planned:
  the survey has no other way to the customer.
- `send_due` (the clock's step; at once when the delay is 0): makes each due survey's one-time
  token (256 bits; only its sha256 digest is stored), marks it sent and e-mails the link in the
  customer's language once the transaction has committed. A message the SMTP server did not take
  goes back to pending, its digest forgotten, and the next tick makes a new link (at most
  MAX_SEND_ATTEMPTS times, then `failed`): the token is never kept for a retry.
- `submit_answer`, `opt_out`: the customer's page, without login; the link is the credential.

Audited: a survey sent (not its link), a customer's opt-out (not the answer's content).
Services raise NotFound("link") for an unknown link, LinkGone ("used", "expired") for a link
that worked once, Invalid ("score", "comment") for a refused answer (the link stays usable).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from types import SimpleNamespace
from typing import Any

import click
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from relq.audit.services import record
from relq.cases.models import Case, Customer
from relq.csat.models import COMMENT_MAX, MAX_SEND_ATTEMPTS, CsatSurvey
from relq.csat.results import monday_of
from relq.db import after_commit, db, transaction, utcnow
from relq.errors import DomainError, Invalid, NotFound
from relq.forms import REFUSED_CHARACTERS

log = logging.getLogger(__name__)

TOKEN_BYTES = 32  # 256 bits, 43 URL-safe characters
TOKEN_FORMAT = re.compile(r"^[A-Za-z0-9_-]{40,64}$")
SEND_BATCH = 200
RETRY_AFTER = timedelta(minutes=10)


class LinkGone(DomainError):
    """The link worked once and no longer does: answered already ("used") or past its expiry
    ("expired")."""

    status = 410


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def mail_is_on() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def _delay() -> timedelta:
    return timedelta(hours=int(current_app.config.get("CSAT_DELAY_HOURS", 24)))


def _lifetime() -> timedelta:
    return timedelta(days=int(current_app.config.get("CSAT_DAYS", 14)))


# ---- when a case closes or reopens ------------------------------------------------------------


def plan_survey(case: Case, *, now: datetime | None = None) -> CsatSurvey | None:
    """A survey for `case`, which has just closed, due after the delay; None when its customer
    cannot or does not want to be asked, or a survey of the case was already sent. With no
    delay (and mail sent after commit) it is sent at once. Flushes, never commits."""
    now = now or utcnow()
    customer = case.customer
    if customer is None or not customer.email or customer.survey_opt_out or not mail_is_on():
        return None
    survey = db.session.scalar(select(CsatSurvey).where(CsatSurvey.case_id == case.id))
    if survey is not None and survey.state not in ("pending", "cancelled"):
        return None  # sent (answered, expired or failed): a case is asked once
    if survey is None:
        survey = CsatSurvey(case_id=case.id, attempts=0, comment="")
        db.session.add(survey)
    survey.state = "pending"
    survey.department_id = case.responsible_department_id
    survey.channel = case.channel
    survey.language = customer.language or "ja"
    survey.closed_at = now
    survey.due_at = now + _delay()
    db.session.flush()
    if survey.due_at <= now and current_app.config.get("MAIL_QUEUE") != "off":
        send_due(now, survey_ids=[survey.id])
    return survey


def cancel_survey(case: Case) -> bool:
    """A reopened case's survey not sent yet waits no more (closing it again plans it anew).
    Returns whether one was cancelled. Flushes."""
    cancelled = db.session.execute(
        update(CsatSurvey)
        .where(CsatSurvey.case_id == case.id, CsatSurvey.state == "pending")
        .values(state="cancelled")
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(cancelled)


def on_case_transitioned(case: Case, *, after: str, before: str, **_: Any) -> None:
    if after == "closed":
        plan_survey(case)
    elif before == "closed":
        cancel_survey(case)


# ---- sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    survey_id: int
    message: EmailMessage


def send_due(now: datetime | None = None, *, survey_ids: list[int] | None = None) -> dict[str, int]:
    """Send the surveys due by `now`: a new link each, marked sent (audited), the e-mails
    handed over once the caller's transaction commits. A survey whose case is no longer closed
    or whose customer opted out or lost their address meanwhile is cancelled. Flushes."""
    now = now or utcnow()
    if not mail_is_on():
        return {"sent": 0, "cancelled": 0}
    query = select(CsatSurvey).where(CsatSurvey.state == "pending", CsatSurvey.due_at <= now)
    if survey_ids is not None:
        query = query.where(CsatSurvey.id.in_(survey_ids))
    surveys = db.session.scalars(
        query.order_by(CsatSurvey.due_at, CsatSurvey.id).limit(SEND_BATCH)
    ).all()
    outgoing: list[Outgoing] = []
    cancelled = 0
    for survey in surveys:
        case = survey.case
        customer = case.customer
        if (
            case.status != "closed"
            or customer is None
            or not customer.email
            or customer.survey_opt_out
        ):
            survey.state = "cancelled"
            cancelled += 1
            continue
        token = new_token()
        survey.token_digest = token_digest(token)
        survey.state = "sent"
        survey.sent_at = now
        survey.week_start = monday_of(now)
        survey.expires_at = now + _lifetime()
        survey.attempts += 1
        survey.language = customer.language or survey.language or "ja"
        record(
            "csat.sent",
            actor=None,
            entity_type="csat_survey",
            entity_id=survey.id,
            case_id=case.id,
            after={"language": survey.language, "attempt": survey.attempts},
        )
        outgoing.append(Outgoing(survey.id, compose(survey, customer, token)))
    db.session.flush()
    if outgoing:
        _send_after_commit(outgoing)
    return {"sent": len(outgoing), "cancelled": cancelled}


def survey_link(token: str) -> str:
    from relq.notify.messages import link

    return link("csat.survey", external=True, csat_token=token)


def compose(survey: CsatSurvey, customer: Customer, token: str) -> EmailMessage:
    """The invitation, in the customer's language, with the one-time link."""
    from relq.notify.mail import envelope

    reader = SimpleNamespace(name=customer.name or "", email=customer.email)
    with force_locale(survey.language):
        subject = _("How did we do? (%(ref)s)", ref=survey.case.ref)
        text = render_template(
            "csat/invitation_email.txt",
            name=customer.name or "",
            ref=survey.case.ref,
            link=survey_link(token),
            expires_at=survey.expires_at,
        )
    return envelope(reader, subject, text, f"csat-{survey.id}-{survey.attempts}")


def _send_after_commit(outgoing: list[Outgoing]) -> None:
    app = current_app._get_current_object()

    def send() -> None:
        from relq.notify.mail import _send

        with app.app_context():
            try:
                sent, failed = _send([(o.survey_id, o.message) for o in outgoing])
                if failed:
                    with transaction():
                        _unsent(failed)
            except Exception:  # the rows stay sent; nothing to retry without their tokens
                log.exception("CSAT survey e-mails failed")
            finally:
                if threaded:
                    db.session.remove()

    mode = app.config.get("MAIL_QUEUE", "thread")
    threaded = mode == "thread" and click.get_current_context(silent=True) is None

    def hand_over() -> None:
        if threaded:
            threading.Thread(target=send, name="relq-csat-mail", daemon=True).start()
        else:
            send()

    after_commit(hand_over)


def _unsent(survey_ids: list[int]) -> None:
    """Surveys whose e-mail the SMTP server did not take: their link never reached anyone and
    is forgotten; pending again for the next tick (a new link), or failed after the last try."""
    now = utcnow()
    for survey in db.session.scalars(
        select(CsatSurvey).where(CsatSurvey.id.in_(survey_ids), CsatSurvey.state == "sent")
    ):
        survey.token_digest = None
        survey.sent_at = None
        survey.week_start = None
        survey.expires_at = None
        if survey.attempts >= MAX_SEND_ATTEMPTS:
            survey.state = "failed"
        else:
            survey.state = "pending"
            survey.due_at = now + RETRY_AFTER * survey.attempts
    db.session.flush()


def tick(now: datetime) -> dict[str, int]:
    """The clock's step: send the surveys that have come due."""
    return send_due(now)


# ---- the customer's page ----------------------------------------------------------------------


def survey_for_token(token: str, *, now: datetime | None = None) -> CsatSurvey:
    """The survey a link opens, while it can be answered. Raises NotFound("link") (unknown),
    LinkGone("used") (answered), LinkGone("expired")."""
    now = now or utcnow()
    if not isinstance(token, str) or not TOKEN_FORMAT.match(token):
        raise NotFound("link")
    survey = db.session.scalar(
        select(CsatSurvey).where(CsatSurvey.token_digest == token_digest(token))
    )
    if survey is None or survey.state not in ("sent", "answered"):
        raise NotFound("link")
    if survey.state == "answered":
        raise LinkGone("used")
    if (now or utcnow()) >= survey.expires_at:
        raise LinkGone("expired")
    return survey


def check_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX or REFUSED_CHARACTERS.search(comment):
        raise Invalid("comment")
    return comment


def submit_answer(
    token: str, score: Any, comment: str = "", *, now: datetime | None = None
) -> CsatSurvey:
    """The customer's answer through their link: 1-5 and an optional comment, once. Raises
    NotFound, LinkGone, Invalid("score" or "comment": nothing saved, the link stays usable).
    Not audited (the answer belongs to the customer), flushes."""
    now = now or utcnow()
    survey = survey_for_token(token, now=now)
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise Invalid("score")
    comment = check_comment(comment)
    # Set only if still unanswered: two submissions racing with one link make one answer.
    marked = db.session.execute(
        update(CsatSurvey)
        .where(CsatSurvey.id == survey.id, CsatSurvey.state == "sent")
        .values(state="answered", score=score, comment=comment, answered_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if marked != 1:
        raise LinkGone("used")
    db.session.expire(survey)
    return survey


def opt_out(token: str, *, now: datetime | None = None) -> Customer:
    """ "Do not ask me again" from a survey link (answered or not, until it expires): the
    customer receives no more surveys, and a survey of theirs still waiting is cancelled.
    Audited. Raises NotFound("link"), LinkGone("expired")."""
    survey = survey_of_link(token, now)
    customer = survey.case.customer
    if customer is None:
        raise NotFound("link")
    if not customer.survey_opt_out:
        customer.survey_opt_out = True
        record(
            "customer.survey_opt_out",
            actor=None,
            entity_type="customer",
            entity_id=customer.id,
            case_id=survey.case_id,
            before={"survey_opt_out": False},
            after={"survey_opt_out": True},
        )
        waiting = select(Case.id).where(Case.customer_id == customer.id).scalar_subquery()
        db.session.execute(
            update(CsatSurvey)
            .where(CsatSurvey.case_id.in_(waiting), CsatSurvey.state == "pending")
            .values(state="cancelled")
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    return customer


def survey_of_link(token: str, now: datetime | None = None) -> CsatSurvey:
    """The survey of a link that may still opt out: sent or answered, not expired. Raises
    NotFound("link"), LinkGone("expired")."""
    if not isinstance(token, str) or not TOKEN_FORMAT.match(token):
        raise NotFound("link")
    survey = db.session.scalar(
        select(CsatSurvey).where(
            CsatSurvey.token_digest == token_digest(token),
            CsatSurvey.state.in_(("sent", "answered")),
        )
    )
    if survey is None:
        raise NotFound("link")
    if (now or utcnow()) >= survey.expires_at:
        raise LinkGone("expired")
    return survey
