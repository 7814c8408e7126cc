"""Who is told what about handoffs between departments (relq/handoffs): a request reached a
department (or the person it names), the asking side's request was answered or declined, an
answer was sent back, a request is overdue, an answer was thanked.

Called by the receivers of the handoffs' signals inside the sender's transaction, like the
case notifications of relq.notify.services: they add rows and flush nothing themselves. A
handoff's notifications carry the handoff, not its case (the providing side may not see the
case): only people who may read the handoff are told, and they are grouped by handoff.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select

from relq.db import db
from relq.handoffs.models import Handoff, HandoffMessage
from relq.notify.models import Notification
from relq.notify.services import _leads_of, notify
from relq.org.models import User

# How much of the ask a notification repeats (the handoff's page has all of it).
ASK_SHOWN = 200


def _params(handoff: Handoff, department_id: int, **more) -> dict:
    """What every handoff notification says: its reference, the other side (`department_id`,
    worded in the reader's language), and the beginning of what was asked."""
    return {
        "ref": handoff.ref,
        "department_id": department_id,
        "requester_department_id": handoff.requester_department_id,
        "provider_department_id": handoff.provider_department_id,
        "ask": handoff.ask[:ASK_SHOWN],
    } | more


def _person(user_id: int | None) -> ColumnElement[bool]:
    return User.id == user_id if user_id is not None else false()


def _answerers(handoff: Handoff) -> list[int]:
    """The people who wrote the handoff's answers."""
    return list(
        db.session.scalars(
            select(HandoffMessage.author_id)
            .where(HandoffMessage.handoff_id == handoff.id, HandoffMessage.kind == "answer")
            .distinct()
        )
    )


def notify_handoff_requested(handoff: Handoff, *, actor: User | None) -> list[Notification]:
    """Tell the providing department's leads, and the person the request names, that it
    reached them."""
    return notify(
        "handoff_requested",
        lambda: or_(_leads_of(handoff.provider_department_id), _person(handoff.provider_user_id)),
        case=None,
        actor=actor,
        handoff=handoff,
        params=_params(
            handoff,
            handoff.requester_department_id,
            due_at=handoff.due_at.isoformat(),
            provider_user_id=handoff.provider_user_id,
        ),
    )


def notify_handoff_answered(
    handoff: Handoff, *, actor: User | None, action: str, message: HandoffMessage | None
) -> list[Notification]:
    """Tell the person who asked and the asking department's leads that the providing side
    answered (`action` "answer") or declined ("decline"), with its words."""
    return notify(
        "handoff_answered",
        lambda: or_(_leads_of(handoff.requester_department_id), _person(handoff.requested_by_id)),
        case=None,
        actor=actor,
        handoff=handoff,
        params=_params(
            handoff,
            handoff.provider_department_id,
            action=action,
            body=message.body if message is not None else "",
        ),
    )


def notify_handoff_sent_back(
    handoff: Handoff, *, actor: User | None, message: HandoffMessage | None
) -> list[Notification]:
    """Tell the providing side (its leads, the person named, whoever answered) that the asking
    side sent the answer back, with what is still missing."""
    answerers = _answerers(handoff)
    return notify(
        "handoff_sent_back",
        lambda: or_(
            _leads_of(handoff.provider_department_id),
            _person(handoff.provider_user_id),
            User.id.in_(answerers),
        ),
        case=None,
        actor=actor,
        handoff=handoff,
        params=_params(
            handoff,
            handoff.requester_department_id,
            body=message.body if message is not None else "",
            bounces=handoff.bounces,
        ),
    )


def notify_handoff_overdue(handoff: Handoff) -> list[Notification]:
    """Tell the providing department's leads that a request to them passed its due time."""
    return notify(
        "handoff_overdue",
        lambda: _leads_of(handoff.provider_department_id),
        recipients_key=("leads", handoff.provider_department_id),
        case=None,
        actor=None,
        handoff=handoff,
        params=_params(handoff, handoff.requester_department_id, due_at=handoff.due_at.isoformat()),
    )


def notify_handoff_thanked(handoff: Handoff, *, actor: User | None) -> list[Notification]:
    """Tell the people who wrote the answers that the asking side thanked them, in its words
    (nothing when it confirmed without a thank-you)."""
    if not handoff.thanks:
        return []
    answerers = _answerers(handoff)
    if not answerers:
        return []
    return notify(
        "handoff_thanked",
        User.id.in_(answerers),
        case=None,
        actor=actor,
        handoff=handoff,
        params=_params(handoff, handoff.requester_department_id, thanks=handoff.thanks),
    )
