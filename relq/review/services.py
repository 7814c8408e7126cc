"""Management reviews and their actions: who may, and the use cases.

Executives and admins read and write reviews (ISO 10002 §8.7 is top management's review; the
admin prepares it). A review starts as a draft for a period and is marked held with its date,
attendees and conclusions; its actions (what, owning department, due date, status, optionally
the category or surge they are about) are what the next review's "effectiveness of earlier
actions" reads.

Services take the acting user, check, record one audit event per change and flush; they never
commit. They raise NotAllowed (role), NotFound, Conflict (a stale version: `StaleEdit`, or a
held review set back to draft) and Invalid (`code` names the field).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from relq.audit.services import apply_changes, record
from relq.db import db
from relq.errors import Conflict, Invalid, NotAllowed, NotFound
from relq.forms import REFUSED_CHARACTERS
from relq.org.models import Department, User
from relq.review.models import (
    ACTION_STATUSES,
    PERIOD_KINDS,
    REVIEW_NEXT,
    REVIEW_STATUSES,
    ManagementReview,
    ReviewAction,
)
from relq.review.periods import EARLIEST, LATEST, Period
from relq.tags.models import Tag
from relq.themes.models import SurgeAlert

TITLE_MAX = 200
ATTENDEES_MAX = 2000
CONCLUSIONS_MAX = 10000
DESCRIPTION_MAX = 2000
OUTCOME_MAX = 2000

REVIEW, ACTION = "management_review", "review_action"
AUDIT_LABELS = {
    f"{REVIEW}.created": _l("Management review started"),
    f"{REVIEW}.updated": _l("Management review changed"),
    f"{ACTION}.created": _l("Review action decided"),
    f"{ACTION}.updated": _l("Review action changed"),
}
AUDIT_OBJECTS = {REVIEW: _l("Management review"), ACTION: _l("Review action")}
AUDIT_VALUES = {
    f"{REVIEW}.status": REVIEW_STATUSES,
    f"{REVIEW}.period_kind": PERIOD_KINDS,
    f"{ACTION}.status": ACTION_STATUSES,
}


class StaleEdit(Conflict):
    """The object changed since the form was built; `current` is what is saved now."""

    def __init__(self, current: Any):
        super().__init__("stale")
        self.current = current


# ---- who may --------------------------------------------------------------------------------


def can_read_reviews(user: User) -> bool:
    return user.is_active and user.role in ("executive", "admin")


def can_manage_reviews(user: User) -> bool:
    return user.is_active and user.role in ("executive", "admin")


# ---- reading --------------------------------------------------------------------------------


def reviews() -> list[ManagementReview]:
    return list(
        db.session.scalars(
            select(ManagementReview).order_by(
                ManagementReview.period_start.desc(), ManagementReview.id.desc()
            )
        )
    )


def get_review(actor: User, review_id: int) -> ManagementReview:
    if not can_read_reviews(actor):
        raise NotAllowed("not_allowed")
    review = db.session.get(ManagementReview, review_id)
    if review is None:
        raise NotFound("review")
    return review


def get_action(actor: User, action_id: int) -> ReviewAction:
    if not can_read_reviews(actor):
        raise NotAllowed("not_allowed")
    action = db.session.get(ReviewAction, action_id)
    if action is None:
        raise NotFound("action")
    return action


def actions(status: str | None = None) -> list[ReviewAction]:
    """Every review's actions (of one status), open ones by due date first."""
    query = select(ReviewAction).join(ManagementReview)
    if status:
        query = query.where(ReviewAction.status == status)
    return list(
        db.session.scalars(
            query.order_by(
                ReviewAction.status != "open",
                ReviewAction.due_on.is_(None),
                ReviewAction.due_on,
                ReviewAction.id,
            )
        )
    )


def departments() -> list[Department]:
    return list(
        db.session.scalars(
            select(Department).where(Department.is_active.is_(True)).order_by(Department.id)
        )
    )


def categories() -> list[Tag]:
    return list(db.session.scalars(select(Tag).where(Tag.is_active.is_(True)).order_by(Tag.code)))


def recent_alerts(period: Period) -> list[SurgeAlert]:
    """Surges an action may be about: those of the review's period and the one before."""
    return list(
        db.session.scalars(
            select(SurgeAlert)
            .where(
                SurgeAlert.week_end >= period.previous().start,
                SurgeAlert.week_end <= period.end,
            )
            .order_by(SurgeAlert.week_end.desc(), SurgeAlert.id.desc())
        )
    )


# ---- checks ---------------------------------------------------------------------------------


def _text(value: str | None, code: str, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > limit or REFUSED_CHARACTERS.search(text):
        raise Invalid(code)
    return text


def _day(value: date | None, code: str, *, required: bool = False) -> date | None:
    if value is None:
        if required:
            raise Invalid(code)
        return None
    if not EARLIEST <= value <= LATEST:
        raise Invalid(code)
    return value


def _may(actor: User) -> None:
    if not can_manage_reviews(actor):
        raise NotAllowed("not_allowed")


def _check_version(obj: Any, expected_version: int) -> None:
    if obj.version != expected_version:
        raise StaleEdit(obj)


# ---- reviews --------------------------------------------------------------------------------


def start_review(actor: User, period: Period, *, title: str = "") -> ManagementReview:
    """A draft review of `period`. Raises NotAllowed, Invalid("title")."""
    _may(actor)
    review = ManagementReview(
        title=_text(title, "title", TITLE_MAX) or period.label(),
        period_kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        status="draft",
        attendees="",
        conclusions="",
        created_by_id=actor.id,
    )
    db.session.add(review)
    db.session.flush()
    record(
        f"{REVIEW}.created",
        actor=actor,
        entity_type=REVIEW,
        entity_id=review.id,
        after={
            "title": review.title,
            "period_kind": review.period_kind,
            "period_start": review.period_start,
            "period_end": review.period_end,
            "status": "draft",
        },
    )
    return review


@dataclass(frozen=True)
class ReviewRecord:
    title: str
    status: str
    held_on: date | None
    attendees: str
    conclusions: str


def update_review(
    actor: User, review: ManagementReview, record_: ReviewRecord, *, expected_version: int
) -> dict:
    """Change the review's minutes. Raises NotAllowed, StaleEdit (409), Conflict("held")
    when a held review would go back to draft, Invalid (the field's code)."""
    _may(actor)
    _check_version(review, expected_version)
    if record_.status not in REVIEW_STATUSES:
        raise Invalid("status")
    if record_.status not in REVIEW_NEXT[review.status]:
        raise Conflict("held")
    held_on = _day(record_.held_on, "held_on", required=record_.status == "held")
    changes = {
        "title": _text(record_.title, "title", TITLE_MAX, required=True),
        "status": record_.status,
        "held_on": held_on,
        "attendees": _text(record_.attendees, "attendees", ATTENDEES_MAX),
        "conclusions": _text(record_.conclusions, "conclusions", CONCLUSIONS_MAX),
    }
    return apply_changes(
        review, changes, action=f"{REVIEW}.updated", actor=actor, entity_type=REVIEW
    )


# ---- actions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionInput:
    description: str
    owner_department_id: int | None
    due_on: date | None = None
    status: str = "open"
    tag_id: int | None = None
    surge_alert_id: int | None = None
    outcome: str = ""


def _checked_action(data: ActionInput) -> dict:
    if data.status not in ACTION_STATUSES:
        raise Invalid("status")
    department = (
        db.session.get(Department, data.owner_department_id)
        if data.owner_department_id is not None
        else None
    )
    if department is None:
        raise Invalid("owner_department_id")
    if data.tag_id is not None and db.session.get(Tag, data.tag_id) is None:
        raise Invalid("tag_id")
    if data.surge_alert_id is not None and db.session.get(SurgeAlert, data.surge_alert_id) is None:
        raise Invalid("surge_alert_id")
    return {
        "description": _text(data.description, "description", DESCRIPTION_MAX, required=True),
        "owner_department_id": department.id,
        "due_on": _day(data.due_on, "due_on"),
        "status": data.status,
        "tag_id": data.tag_id,
        "surge_alert_id": data.surge_alert_id,
        "outcome": _text(data.outcome, "outcome", OUTCOME_MAX),
    }


def add_action(actor: User, review: ManagementReview, data: ActionInput) -> ReviewAction:
    """A decision of `review`. Raises NotAllowed, Invalid (the field's code)."""
    _may(actor)
    values = _checked_action(data)
    action = ReviewAction(review_id=review.id, created_by_id=actor.id, **values)
    db.session.add(action)
    db.session.flush()
    record(
        f"{ACTION}.created",
        actor=actor,
        entity_type=ACTION,
        entity_id=action.id,
        after={"review_id": review.id, **values},
    )
    return action


def update_action(
    actor: User, action: ReviewAction, data: ActionInput, *, expected_version: int
) -> dict:
    """Change an action (its status as it is carried out). Raises NotAllowed, StaleEdit (409),
    Invalid (the field's code)."""
    _may(actor)
    _check_version(action, expected_version)
    values = _checked_action(data)
    return apply_changes(
        action, values, action=f"{ACTION}.updated", actor=actor, entity_type=ACTION
    )
