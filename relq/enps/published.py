"""The employees' results page: a closed round's company-level results and the measures decided,
published by an admin, read by everyone logged in.

What it shows, and what it does not:
- the company's eNPS, its three shares and the 0-10 distribution, and the change against the
  previous published round: all through the anonymity gate (relq/enps/gate.py), so a round with
  too few answers shows as suppressed; no department, band or comment is shown here;
- the measures decided: the admin's message, and every department's action plans that were not
  dropped (issue, measure, status, due), without their owners: the page is about what the
  company does, not about who was given a task.

Before it is published the page exists only for admins (to preview it and publish); for anyone
else an unpublished round is as absent as a round that does not exist (404).

Services take the acting user, record one audit event and flush; they never commit. They raise
NotAllowed (not an admin), NotFound, Conflict (the round is not closed) and Invalid (message).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from relq.audit.services import record
from relq.db import db, utcnow
from relq.enps.models import SurveyRound
from relq.errors import Conflict, Invalid, NotAllowed, NotFound
from relq.forms import REFUSED_CHARACTERS
from relq.org.models import Department, User

MESSAGE_MAX = 4000
ENTITY = "enps_round"
PUBLISHED = "enps_round.published"
AUDIT_LABELS = {PUBLISHED: _l("eNPS results published to the employees")}


def can_publish(user: User) -> bool:
    return user.is_active and user.role == "admin"


def can_read_published(user: User, survey_round: SurveyRound) -> bool:
    """Everyone logged in reads a published round; admins also read one before publishing."""
    if not user.is_active:
        return False
    return survey_round.published_at is not None or can_publish(user)


def get_published_or_404(round_id: int, user: User) -> SurveyRound:
    survey_round = db.session.get(SurveyRound, round_id)
    if survey_round is None or not can_read_published(user, survey_round):
        raise NotFound("round")
    return survey_round


def published_rounds() -> list[SurveyRound]:
    """Published rounds, the latest first."""
    return list(
        db.session.scalars(
            select(SurveyRound)
            .where(SurveyRound.published_at.is_not(None))
            .order_by(SurveyRound.period_start.desc(), SurveyRound.id.desc())
        )
    )


def unpublished_closed_rounds() -> list[SurveyRound]:
    """Closed rounds not published yet (for the admins), the latest first."""
    return list(
        db.session.scalars(
            select(SurveyRound)
            .where(SurveyRound.status == "closed", SurveyRound.published_at.is_(None))
            .order_by(SurveyRound.period_start.desc(), SurveyRound.id.desc())
        )
    )


def previous_published(survey_round: SurveyRound) -> SurveyRound | None:
    return db.session.scalars(
        select(SurveyRound)
        .where(
            SurveyRound.published_at.is_not(None),
            SurveyRound.id != survey_round.id,
            SurveyRound.period_start < survey_round.period_start,
        )
        .order_by(SurveyRound.period_start.desc(), SurveyRound.id.desc())
        .limit(1)
    ).first()


@dataclass(frozen=True)
class Measure:
    """A plan as the employees see it: no owner."""

    department: Department
    issue: str
    measure: str
    status: str
    due_on: object


@dataclass(frozen=True)
class Results:
    survey_round: SurveyRound
    score: object  # gate.Score | gate.Suppressed
    previous: SurveyRound | None
    previous_score: object  # gate.Score | gate.Suppressed | None
    measures: list[Measure]

    @property
    def change(self) -> float | None:
        from relq.enps import gate

        if isinstance(self.score, gate.Score) and isinstance(self.previous_score, gate.Score):
            return self.score.enps - self.previous_score.enps
        return None


def results(survey_round: SurveyRound) -> Results:
    """The page's content: company-level figures through the gate, and the measures."""
    from relq.enps import gate
    from relq.enps.plans import SHOWN_STATUSES, plans_of

    previous = previous_published(survey_round)
    return Results(
        survey_round=survey_round,
        score=gate.score(gate.Group(survey_round.id)),
        previous=previous,
        previous_score=gate.score(gate.Group(previous.id)) if previous is not None else None,
        measures=[
            Measure(p.department, p.issue, p.measure, p.status, p.due_on)
            for p in plans_of(survey_round.id)
            if p.status in SHOWN_STATUSES
        ],
    )


def publish_round(actor: User, survey_round: SurveyRound, *, message: str) -> None:
    """Publish a closed round's results to every employee with the measures decided (again:
    the message is replaced). Raises NotAllowed (not an admin), Conflict (round not closed),
    Invalid("message")."""
    if not can_publish(actor):
        raise NotAllowed("not_allowed")
    if survey_round.status != "closed":
        raise Conflict("round_not_closed")
    text = (message or "").strip()
    if not text or len(text) > MESSAGE_MAX or REFUSED_CHARACTERS.search(text):
        raise Invalid("message")
    before = {
        "published_at": survey_round.published_at,
        "published_message": survey_round.published_message,
    }
    survey_round.published_at = survey_round.published_at or utcnow()
    survey_round.published_message = text
    db.session.flush()
    record(
        PUBLISHED,
        actor=actor,
        entity_type=ENTITY,
        entity_id=survey_round.id,
        before=before if before["published_at"] else None,
        after={"published_at": survey_round.published_at, "published_message": text},
    )


def get_round_for_publishing(round_id: int) -> SurveyRound:
    survey_round = db.session.get(SurveyRound, round_id)
    if survey_round is None:
        raise NotFound("round")
    return survey_round
