"""Collecting answers: one-time links per employee, and the respondent's answer.

What is kept, and what is not (see relq/enps/models.py):
- an invitation keeps the recipient, a sha256 digest of the link's token and whether it was
  used; the token itself is shown (or mailed) once, right after it is made, and never stored;
- an answer keeps the score, the factor values, the reason and the bands the respondent chose,
  under a random key; no user, no token, no address, no time. Submitting writes no audit event
  and no log line. On PostgreSQL, when a round closes its answers are rewritten in key order
  (`reshuffle_answers`), so that neither a row's place on disk nor the transaction number
  (xmin) keeps the order or the moment in which it came, nor ties it to the invitation marked
  used in the same transaction. SQLite keeps them WITHOUT ROWID, in key order (migration 0017).
- Survey links' tokens are taken out of the access logs' paths (`RedactSurveyLinks`).
- Nobody is shown who has answered: pages show how many invitations were used, per round.

Services raise relq.errors: NotAllowed, NotFound ("link": unknown or used, the same answer for
both), Conflict ("round_not_open", "round_closed"), Invalid (`code` names the field).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import secrets
import threading
from dataclasses import dataclass, field
from types import SimpleNamespace

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, insert, select, text, update

from relq.audit.services import record
from relq.cache import invalidate, topic_of
from relq.db import after_commit, db
from relq.enps.access import can_manage_rounds
from relq.enps.models import (
    FactorAnswer,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
    new_response_id,
)
from relq.errors import Conflict, Invalid, NotAllowed, NotFound
from relq.forms import REFUSED_CHARACTERS
from relq.org.models import Department, User
from relq.security import MAX_ID

TOKEN_BYTES = 24  # 32 URL-safe characters
TOKEN_FORMAT = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
REASON_MAX = 2000
MAX_ADDRESSES = 5000
EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


# ---- invitations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    """One link made now: shown once to the admin, then forgotten."""

    email: str
    name: str
    locale: str
    token: str
    replaced: bool  # an unused earlier link of this address stopped working


@dataclass
class InvitationResult:
    issued: list[Issued] = field(default_factory=list)
    # Addresses whose link was already used: no new link (a count, never who).
    already_used: int = 0


def parse_addresses(text: str) -> list[str]:
    """Addresses pasted one per line or separated by commas, semicolons or spaces, lowercased,
    each once. Raises Invalid("emails") for anything that is not an address."""
    found: list[str] = []
    for word in re.split(r"[\s,;、，]+", text or ""):
        word = word.strip().strip("<>").lower()
        if not word:
            continue
        if not EMAIL.match(word) or len(word) > 254:
            raise Invalid("emails", word[:80])
        if word not in found:
            found.append(word)
    if len(found) > MAX_ADDRESSES:
        raise Invalid("emails")
    return found


def invite(
    survey_round: SurveyRound,
    *,
    actor: User,
    department_ids: list[int] = (),
    emails: list[str] = (),
) -> InvitationResult:
    """One-time links for the active users of `department_ids` and for `emails`, in an open
    round. An address invited before whose link is unused gets a new link (the old one stops
    working); one whose link was used gets none. Audits the counts (never who).
    Raises NotAllowed, Conflict (the round is not open), Invalid ("departments", "emails",
    "nobody")."""
    if not can_manage_rounds(actor):
        raise NotAllowed("not_allowed")
    if survey_round.status != "open":
        raise Conflict("round_closed" if survey_round.is_closed else "round_not_open")
    department_ids = sorted(set(department_ids))
    if any(not 0 < d <= MAX_ID for d in department_ids):
        raise Invalid("departments")
    if department_ids:
        known = set(
            db.session.scalars(
                select(Department.id).where(
                    Department.id.in_(department_ids), Department.is_active.is_(True)
                )
            )
        )
        if known != set(department_ids):
            raise Invalid("departments")
    recipients: dict[str, tuple[int | None, str, str]] = {}  # email -> (user id, name, locale)
    if department_ids:
        for user in db.session.scalars(
            select(User)
            .where(User.department_id.in_(department_ids), User.is_active.is_(True))
            .order_by(User.id)
        ):
            recipients[user.email] = (user.id, user.name, user.locale)
    pasted = [e for e in emails if e not in recipients]
    if pasted:
        users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(pasted)))}
        for email in pasted:
            user = users.get(email)
            recipients[email] = (
                (user.id, user.name, user.locale) if user else (None, "", current_default())
            )
    if not recipients:
        raise Invalid("nobody")
    existing = {
        i.recipient_email: i
        for i in db.session.scalars(
            select(SurveyInvitation).where(
                SurveyInvitation.round_id == survey_round.id,
                SurveyInvitation.recipient_email.in_(list(recipients)),
            )
        )
    }
    result = InvitationResult()
    for email, (user_id, name, locale) in recipients.items():
        invitation = existing.get(email)
        if invitation is not None and invitation.used:
            result.already_used += 1
            continue
        token = new_token()
        if invitation is None:
            db.session.add(
                SurveyInvitation(
                    round_id=survey_round.id,
                    token_digest=token_digest(token),
                    recipient_email=email,
                    user_id=user_id,
                    used=False,
                )
            )
        else:
            invitation.token_digest = token_digest(token)
        result.issued.append(Issued(email, name, locale, token, invitation is not None))
    db.session.flush()
    record(
        "enps_round.invited",
        actor=actor,
        entity_type="enps_round",
        entity_id=survey_round.id,
        after={
            "department_ids": department_ids,
            "addresses": len(emails),
            "links": len(result.issued),
            "replaced": sum(1 for i in result.issued if i.replaced),
            "already_used": result.already_used,
        },
    )
    return result


def current_default() -> str:
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "ja")


def _cell(value: str) -> str:
    """A CSV cell a spreadsheet will not read as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def links_csv(rows: list[tuple[str, str]]) -> str:
    """e-mail,link: made from the links just issued (they are not kept anywhere)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["email", "link"])
    for email, link in rows:
        writer.writerow([_cell(email), _cell(link)])
    return "\ufeff" + out.getvalue()  # Excel reads UTF-8 with its mark


def mail_is_on() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def mail_invitations(survey_round: SurveyRound, issued: list[Issued], links: list[str]) -> None:
    """Once the invitations are committed, e-mail each link to its recipient, in their
    language, through relq's SMTP settings (relq/notify/mail.py). The messages exist only in
    memory: a failed send is not retried (the admin sends the link again), because keeping it
    for a retry would keep the token."""
    if not mail_is_on() or not issued:
        return
    from relq.notify.mail import envelope

    messages = []
    for position, (invitation, link) in enumerate(zip(issued, links, strict=True)):
        reader = SimpleNamespace(name=invitation.name, email=invitation.email)
        with force_locale(invitation.locale):
            subject = _("Employee survey: %(round)s", round=survey_round.name)
            text = render_template(
                "enps/rounds/invitation_email.txt",
                round=survey_round,
                name=invitation.name,
                link=link,
            )
        messages.append(
            (position, envelope(reader, subject, text, f"enps-{survey_round.id}-{position}"))
        )
    app = current_app._get_current_object()

    def send() -> None:
        from relq.notify.mail import _send

        with app.app_context():
            _send(messages)

    def hand_over() -> None:
        if app.config.get("MAIL_QUEUE") == "thread":
            threading.Thread(target=send, name="relq-enps-mail", daemon=True).start()
        else:
            send()

    after_commit(hand_over)


def remind(survey_round: SurveyRound, *, actor: User) -> list[Issued]:
    """A new link for every invitation of the round not used yet (the old link stops
    working), to be e-mailed: the admin sees how many, never who. Audits the count.
    Raises NotAllowed, Conflict (the round is not open), Invalid ("mail_off": without e-mail
    the links would have to be shown, and with them who has not answered)."""
    if not can_manage_rounds(actor):
        raise NotAllowed("not_allowed")
    if survey_round.status != "open":
        raise Conflict("round_closed" if survey_round.is_closed else "round_not_open")
    if not mail_is_on():
        raise Invalid("mail_off")
    waiting = db.session.scalars(
        select(SurveyInvitation)
        .where(SurveyInvitation.round_id == survey_round.id, SurveyInvitation.used.is_(False))
        .order_by(SurveyInvitation.id)
    ).all()
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_([i.user_id for i in waiting if i.user_id]))
        )
    }
    issued = []
    for invitation in waiting:
        token = new_token()
        invitation.token_digest = token_digest(token)
        user = users.get(invitation.user_id)
        issued.append(
            Issued(
                invitation.recipient_email,
                user.name if user else "",
                user.locale if user else current_default(),
                token,
                True,
            )
        )
    db.session.flush()
    record(
        "enps_round.reminded",
        actor=actor,
        entity_type="enps_round",
        entity_id=survey_round.id,
        after={"links": len(issued)},
    )
    return issued


# ---- access logs ------------------------------------------------------------------------------

SURVEY_PATH = re.compile(r"(/enps/survey/)[A-Za-z0-9_-]{16,}")


class RedactSurveyLinks(logging.Filter):
    """Takes the token out of a survey link's path in a log line (the development server's
    and gunicorn's access logs write every path they serve)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logged as it is
            return True
        if "/enps/survey/" in message:
            record.msg, record.args = SURVEY_PATH.sub(r"\1[link]", message), None
        return True


ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


def redact_survey_links_in_access_logs() -> None:
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSurveyLinks) for f in logger.filters):
            logger.addFilter(RedactSurveyLinks())


# ---- the respondent ---------------------------------------------------------------------------


def _invitation_for(token: str) -> SurveyInvitation:
    """The unused invitation of `token`; NotFound("link") when it is unknown or used (the same
    answer: nobody learns whether a token ever existed)."""
    if not isinstance(token, str) or not TOKEN_FORMAT.match(token):
        raise NotFound("link")
    invitation = db.session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.token_digest == token_digest(token))
    )
    if invitation is None or invitation.used:
        raise NotFound("link")
    return invitation


def round_for_token(token: str) -> SurveyRound:
    """The open round a one-time link belongs to. Raises NotFound("link"), Conflict
    ("round_closed" or "round_not_open")."""
    invitation = _invitation_for(token)
    survey_round = db.session.get(SurveyRound, invitation.round_id)
    if survey_round.status != "open":
        raise Conflict("round_closed" if survey_round.is_closed else "round_not_open")
    return survey_round


@dataclass
class Answer:
    score: int | None
    department_id: int | None
    factor_values: dict[int, int | None] = field(default_factory=dict)
    reason: str = ""
    level_band_id: int | None = None
    tenure_band_id: int | None = None


def _check_answer(survey_round: SurveyRound, answer: Answer) -> Answer:
    if not isinstance(answer.score, int) or not 0 <= answer.score <= 10:
        raise Invalid("score")
    department = (
        db.session.get(Department, answer.department_id)
        if isinstance(answer.department_id, int) and 0 < answer.department_id <= MAX_ID
        else None
    )
    if department is None or not department.is_active:
        raise Invalid("department")
    bands = {b.id: b.dimension for b in survey_round.bands}
    for value, dimension in ((answer.level_band_id, "level"), (answer.tenure_band_id, "tenure")):
        if value is not None and bands.get(value) != dimension:
            raise Invalid(dimension)
    factors = {f.id for f in survey_round.factors}
    values: dict[int, int] = {}
    for factor_id, value in answer.factor_values.items():
        if factor_id not in factors:
            raise Invalid("factor")
        if value is None:
            continue
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise Invalid("factor")
        values[factor_id] = value
    reason = (answer.reason or "").strip()
    if len(reason) > REASON_MAX or REFUSED_CHARACTERS.search(reason):
        raise Invalid("reason")
    return Answer(
        answer.score,
        department.id,
        values,
        reason,
        answer.level_band_id,
        answer.tenure_band_id,
    )


def submit_answer(token: str, answer: Answer) -> None:
    """The respondent's answer through their one-time link, in the caller's one transaction:
    the invitation is marked used and the answer saved under a random key, with no user, no
    token, no time; no audit event, no log line. Raises NotFound("link") (unknown or used),
    Conflict (the round is not open), Invalid (a refused value: the link stays unused)."""
    invitation = _invitation_for(token)
    survey_round = db.session.get(SurveyRound, invitation.round_id)
    if survey_round.status != "open":
        raise Conflict("round_closed" if survey_round.is_closed else "round_not_open")
    answer = _check_answer(survey_round, answer)
    # The used flag is set only if it is still unset: two submissions racing with the same
    # link make one answer, the other gets the "link" refusal.
    marked = db.session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation.id, SurveyInvitation.used.is_(False))
        .values(used=True)
        .execution_options(synchronize_session=False)
    ).rowcount
    if marked != 1:
        raise NotFound("link")
    response_id = new_response_id()
    db.session.execute(
        insert(SurveyResponse).values(
            id=response_id,
            round_id=survey_round.id,
            department_id=answer.department_id,
            level_band_id=answer.level_band_id,
            tenure_band_id=answer.tenure_band_id,
            score=answer.score,
            reason=answer.reason,
            source="link",
        )
    )
    if answer.factor_values:
        db.session.execute(
            insert(FactorAnswer),
            [
                {"response_id": response_id, "factor_id": factor_id, "value": value}
                for factor_id, value in answer.factor_values.items()
            ],
        )
    db.session.expire(invitation)


def form_choices(survey_round: SurveyRound, locale: str) -> dict:
    """What the respondent's form offers: active departments, the round's factors and bands."""
    departments = db.session.scalars(
        select(Department).where(Department.is_active.is_(True)).order_by(Department.id)
    ).all()
    return {
        "departments": [(d.id, d.name_for(locale)) for d in departments],
        "factors": list(survey_round.factors),
        "levels": [b for b in survey_round.bands if b.dimension == "level"],
        "tenures": [b for b in survey_round.bands if b.dimension == "tenure"],
    }


# ---- closing ----------------------------------------------------------------------------------

RESHUFFLE = (
    # The round's answers and factor values aside, deleted, and written back in key order.
    "CREATE TEMPORARY TABLE enps_reshuffle_responses ON COMMIT DROP AS "
    "SELECT * FROM enps_responses WHERE round_id = :round_id",
    "CREATE TEMPORARY TABLE enps_reshuffle_values ON COMMIT DROP AS "
    "SELECT v.* FROM enps_factor_answers v "
    "JOIN enps_reshuffle_responses r ON r.id = v.response_id",
    "DELETE FROM enps_factor_answers "
    "WHERE response_id IN (SELECT id FROM enps_reshuffle_responses)",
    "DELETE FROM enps_responses WHERE round_id = :round_id",
    "INSERT INTO enps_responses SELECT * FROM enps_reshuffle_responses ORDER BY id",
    "INSERT INTO enps_factor_answers SELECT * FROM enps_reshuffle_values "
    "ORDER BY response_id, factor_id",
    # Dropped now, not only at commit: one transaction may close several rounds (the demo).
    "DROP TABLE enps_reshuffle_values",
    "DROP TABLE enps_reshuffle_responses",
)


def reshuffle_answers(survey_round: SurveyRound) -> int:
    """Rewrite the round's answers (and their factor values) in the order of their random
    keys, in the caller's transaction, on PostgreSQL: afterwards every row carries the same
    transaction number (xmin) and a place on disk that follows its key, not its arrival.
    SQLite keeps the answer tables WITHOUT ROWID, in key order already, and has no
    transaction numbers: nothing to do there. Returns how many answers were rewritten."""
    if db.session.get_bind().dialect.name != "postgresql":
        return 0
    db.session.flush()
    found = db.session.scalar(
        select(func.count())
        .select_from(SurveyResponse)
        .where(SurveyResponse.round_id == survey_round.id)
    )
    if not found:
        return 0
    for statement in RESHUFFLE:
        db.session.execute(text(statement), {"round_id": survey_round.id})
    # Raw SQL is not seen by the cache's watch: say which topic changed (relq/cache.py).
    topic = topic_of(SurveyResponse.__tablename__)
    if topic is not None:
        invalidate(topic)
    db.session.expire_all()
    return found
