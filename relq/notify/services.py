"""Who is told what, what they chose to be told, and what they have read.

The `notify_*` functions are called by the receivers of relq.events inside the sender's
transaction: one query finds the recipients with their preference, one checks that each
can see the case, one insert writes the rows. They flush and never commit; e-mail is sent
after the commit (relq.notify.mail), never inside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload

from relq.access import can_read_handoff, can_see_case, visible_cases
from relq.audit.services import record
from relq.cases.models import Case
from relq.db import db, transaction_cache, utcnow
from relq.errors import Invalid
from relq.notify.models import (
    DEFAULTS,
    EMAIL_DELIVERIES,
    EVENTS,
    EVENTS_BY_ROLE,
    Notification,
    NotificationPreference,
    NotificationSetting,
)
from relq.org.models import User


def mail_enabled() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


# ---- telling people -----------------------------------------------------------------------


def notify(
    event: str,
    recipients: ColumnElement[bool] | Callable[[], ColumnElement[bool]],
    *,
    case: Case | None,
    actor: User | None,
    params: dict[str, Any],
    escalation_id: int | None = None,
    handoff=None,
    recipients_key: tuple | None = None,
) -> list[Notification]:
    """Tell the active users matching `recipients` (a condition on User) about `event`, each as
    they chose (NotificationPreference, else DEFAULTS): a row when they want it in the app or
    by e-mail, its e-mail pending when they want e-mail and mail is configured (waiting for
    their daily summary, "digest", when they chose one: NotificationSetting). Never the actor,
    never someone who cannot see `case` (or read `handoff`, a relq.handoffs Handoff, whose
    notifications carry it instead of a case). Returns the rows added; they are flushed with the
    session's next flush, so that a burst (a tick announcing thousands of lapsed deadlines)
    inserts them in batches. `recipients_key` names `recipients` for this transaction: the
    same key finds the same people without asking the database again."""
    if event not in EVENTS:
        raise ValueError(event)
    cache = transaction_cache("notify.recipients", dict)
    key = (event, recipients_key, actor.id if actor is not None else None)
    # Neither question depends on rows waiting to be inserted: do not flush for them.
    with db.session.no_autoflush:
        wanted = cache.get(key) if recipients_key is not None else None
        if wanted is None:
            condition = recipients() if callable(recipients) else recipients
            wanted = _recipients(event, condition, actor)
            if recipients_key is not None:
                cache[key] = wanted
        if case is not None and wanted:
            seeing = _who_sees(case, [user for user, _, _, _ in wanted])
            wanted = [w for w in wanted if w[0].id in seeing]
        if handoff is not None:
            wanted = [w for w in wanted if can_read_handoff(w[0], handoff)]
    if not wanted:
        return []
    now, mail = utcnow(), mail_enabled()
    rows = [
        Notification(
            user_id=user.id,
            event=event,
            case_id=case.id if case is not None else None,
            escalation_id=escalation_id,
            handoff_id=handoff.id if handoff is not None else None,
            params=params,
            created_at=now,
            # E-mail only: nothing new to read in the app, so it never counts as unread.
            read_at=None if in_app else now,
            email_state=("digest" if daily else "pending")
            if email and mail and user.email
            else "none",
            email_attempts=0,
        )
        for user, in_app, email, daily in wanted
    ]
    db.session.add_all(rows)
    if any(row.email_state == "pending" for row in rows):
        from relq.notify.mail import deliver_after_commit

        deliver_after_commit()
    return rows


def _recipients(
    event: str, recipients: ColumnElement[bool], actor: User | None
) -> list[tuple[User, bool, bool, bool]]:
    """The active users matching `recipients` (not the actor) who want `event` at all, with
    (in the app, by e-mail, in a daily summary)."""
    query = (
        select(User, NotificationPreference, NotificationSetting.email_delivery)
        .outerjoin(
            NotificationPreference,
            and_(NotificationPreference.user_id == User.id, NotificationPreference.event == event),
        )
        .outerjoin(NotificationSetting, NotificationSetting.user_id == User.id)
        .where(recipients, User.is_active.is_(True))
        .order_by(User.id)
    )
    if actor is not None:
        query = query.where(User.id != actor.id)
    wanted = []
    for user, preference, delivery in db.session.execute(query).all():
        in_app, email = (preference.in_app, preference.email) if preference else DEFAULTS[event]
        if in_app or email:
            wanted.append((user, in_app, email, delivery == "daily"))
    return wanted


def _who_sees(case: Case, users: list[User]) -> set[int]:
    """The ids of `users` who can see `case` (access.can_see_case: the case scope, answered
    without a query, since a tick may tell thousands of people about thousands of cases)."""
    return {user.id for user in users if can_see_case(user, case)}


def _leads_of(department_id: int | None) -> ColumnElement[bool]:
    if department_id is None:
        return false()
    return and_(User.role == "lead", User.department_id == department_id)


def notify_routed(
    case: Case, *, actor: User | None, action: str = "route", reason: str = ""
) -> list[Notification]:
    """Tell the leads of the case's (new) department it was routed to them. (A case is
    announced as created before a routing rule routes it, so it is told once either way.)"""
    return notify(
        "routed",
        lambda: _leads_of(case.responsible_department_id),
        recipients_key=("leads", case.responsible_department_id),
        case=case,
        actor=actor,
        params={
            "action": action,
            "department_id": case.responsible_department_id,
            "reason": reason or "",
        },
    )


def notify_answered(case: Case, *, actor: User | None, answer) -> list[Notification]:
    """Tell the person who logged the case what the owning department answered
    (`answer`: a relq.answers DepartmentAnswer)."""
    return notify(
        "answered",
        User.id == case.created_by_id,
        case=case,
        actor=actor,
        params={
            "answer": answer.answer,
            "department_id": answer.department_id,
            "planned_for": answer.planned_for.isoformat() if answer.planned_for else None,
            "body": answer.body or "",
        },
    )


def notify_deadline(event: str, case: Case, deadline) -> list[Notification]:
    """Tell the leads of the deadline's department (the front line's when it has none) that
    it is about to pass or has passed (`deadline`: a relq.deadlines CaseDeadline)."""
    department_id = deadline.department_id or case.intake_department_id
    return notify(
        event,
        lambda: _leads_of(department_id),
        recipients_key=("leads", department_id),
        case=case,
        actor=None,
        params={
            "kind": deadline.kind,
            "department_id": department_id,
            "due_at": deadline.due_at.isoformat(),
        },
    )


def notify_escalation(case: Case | None, escalation) -> list[Notification]:
    """Tell the leads of the escalation's department (both departments of a stalled handoff),
    and management for level 2."""

    # A stalled handoff concerns the asking department's leads as well.
    asking = escalation.handoff.requester_department_id if escalation.handoff_id else None

    def recipients() -> ColumnElement[bool]:
        leads = or_(_leads_of(escalation.department_id), _leads_of(asking))
        return or_(leads, User.role == "executive") if escalation.level >= 2 else leads

    return notify(
        "escalation",
        recipients,
        recipients_key=("leads", escalation.department_id, asking, escalation.level >= 2),
        case=case,
        actor=None,
        escalation_id=escalation.id,
        params={
            "reason": escalation.reason,
            "level": escalation.level,
            "department_id": escalation.department_id,
            "detail": escalation.detail or "",
            "surge_alert_id": escalation.surge_alert_id,
        },
    )


def notify_compliment(compliment, *, actor: User | None) -> list[Notification]:
    """Tell the staff member a compliment names (when they are a user) that a customer thanked
    them, with the words the operator shared (`compliment`: a relq.thanks Compliment). No case
    is attached: like the thanks feed, it shows the shared words, never the case."""
    if compliment.staff_user_id is None:
        return []
    return notify(
        "compliment",
        User.id == compliment.staff_user_id,
        case=None,
        actor=actor,
        params={
            "compliment_id": compliment.id,
            "department_id": compliment.department_id,
            "quote": compliment.quote,
        },
    )


# ---- what each person chose ---------------------------------------------------------------


def events_for(user: User) -> tuple[str, ...]:
    """The events `user`'s role can ever be told about."""
    return EVENTS_BY_ROLE.get(user.role, ())


def preferences_of(user: User) -> dict[str, tuple[bool, bool]]:
    """{event: (in the app, by e-mail)} for every event, DEFAULTS where the user chose nothing."""
    chosen = {
        p.event: (p.in_app, p.email)
        for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    return {event: chosen.get(event, DEFAULTS[event]) for event in EVENTS}


def email_delivery_of(user: User) -> str:
    """ "each" (one e-mail per event, the default) or "daily" (one summary a day)."""
    setting = db.session.get(NotificationSetting, user.id)
    return setting.email_delivery if setting is not None else "each"


def save_preferences(
    user: User, choices: dict[str, tuple[bool, bool]], email_delivery: str | None = None
) -> dict[str, Any]:
    """Save `user`'s own choices {event: (in_app, email)} and how e-mails reach them
    (`email_delivery`: an EMAIL_DELIVERIES key; None keeps it), and record what changed. Events
    the user's role is never told about are ignored. Returns the changes. Raises
    Invalid("email_delivery") for an unknown delivery."""
    current = preferences_of(user)
    changed: dict[str, Any] = {
        event: (bool(in_app), bool(email))
        for event, (in_app, email) in choices.items()
        if event in events_for(user) and current[event] != (bool(in_app), bool(email))
    }
    delivery_before = email_delivery_of(user)
    if email_delivery is not None and email_delivery != delivery_before:
        if email_delivery not in EMAIL_DELIVERIES:
            raise Invalid("email_delivery")
        setting = db.session.get(NotificationSetting, user.id)
        if setting is None:
            setting = NotificationSetting(user_id=user.id)
            db.session.add(setting)
        setting.email_delivery = email_delivery
        if email_delivery == "each":
            # What waited for a summary goes out now, one by one, as chosen.
            moved = db.session.execute(
                update(Notification)
                .where(Notification.user_id == user.id, Notification.email_state == "digest")
                .values(email_state="pending")
                .execution_options(synchronize_session=False)
            ).rowcount
            if moved:
                from relq.notify.mail import deliver_after_commit

                deliver_after_commit()
    if not changed and (email_delivery is None or email_delivery == delivery_before):
        return {}
    events_changed = dict(changed)
    if email_delivery is not None and email_delivery != delivery_before:
        changed["email_delivery"] = email_delivery
    for event, (in_app, email) in events_changed.items():
        row = db.session.get(NotificationPreference, (user.id, event))
        if row is None:
            row = NotificationPreference(user_id=user.id, event=event)
            db.session.add(row)
        row.in_app, row.email = in_app, email
    db.session.flush()
    record(
        "notification_preferences.updated",
        actor=user,
        entity_type="user",
        entity_id=user.id,
        before={event: list(current[event]) for event in events_changed}
        | ({"email_delivery": delivery_before} if "email_delivery" in changed else {}),
        after={event: list(choice) for event, choice in events_changed.items()}
        | ({"email_delivery": email_delivery} if "email_delivery" in changed else {}),
    )
    return changed


# ---- reading ------------------------------------------------------------------------------
# Marking as read is the reader's own bookkeeping, like an e-mail client's: not audited.


def notifications_of(user: User) -> Select:
    """`user`'s notifications, newest first."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def unread_count(user: User) -> int:
    # One COUNT on the partial index ix_notifications_unread (user_id WHERE read_at IS NULL).
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def cases_seen_among(user: User, case_ids: set[int]) -> set[int]:
    """Which of `case_ids` `user` can see now (a case may have been rerouted away since)."""
    if not case_ids:
        return set()
    return set(
        db.session.scalars(
            visible_cases(user).with_only_columns(Case.id).where(Case.id.in_(case_ids))
        )
    )


def mark_read(user: User, notification_id: int, *, now: datetime | None = None):
    """Mark one of `user`'s notifications read and return it; None when `user` has no
    notification with this id (someone else's does not exist for them)."""
    notification = db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )
    if notification is not None and notification.read_at is None:
        notification.read_at = now or utcnow()
        db.session.flush()
    return notification


def mark_group_read(user: User, notification_id: int, *, now: datetime | None = None):
    """Mark read the group of `user`'s notification `notification_id` (every notification of
    the same case, or handoff, and kind) and return that notification; None when `user` has
    none with this id."""
    notification = mark_read(user, notification_id, now=now)
    if notification is None:
        return None
    same = None
    if notification.case_id is not None:
        same = Notification.case_id == notification.case_id
    elif notification.handoff_id is not None:
        same = Notification.handoff_id == notification.handoff_id
    if same is not None:
        db.session.execute(
            update(Notification)
            .where(
                Notification.user_id == user.id,
                same,
                Notification.event == notification.event,
                Notification.read_at.is_(None),
            )
            .values(read_at=now or utcnow())
            .execution_options(synchronize_session=False)
        )
    return notification


def newest_notification_id(user: User) -> int | None:
    return db.session.scalar(
        select(func.max(Notification.id)).where(Notification.user_id == user.id)
    )


def mark_all_read(user: User, *, up_to_id: int | None = None, now: datetime | None = None) -> int:
    """Mark all of `user`'s notifications read (only those up to `up_to_id`, the newest the
    reader was shown, when given: what arrived since stays unread); returns how many were
    unread."""
    condition = [Notification.user_id == user.id, Notification.read_at.is_(None)]
    if up_to_id is not None:
        condition.append(Notification.id <= up_to_id)
    result = db.session.execute(
        update(Notification)
        .where(*condition)
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


@dataclass
class NotificationGroup:
    """A person's notifications of one case (or handoff) and kind (a notification without
    either is a group of its own), newest first."""

    notifications: list[Notification]
    count: int
    unread: int

    @property
    def newest(self) -> Notification:
        return self.notifications[0]


# The notifications of one case and kind on one person's page: one group; a handoff's (which
# carry no case, and whose events no case's notification has) by their handoff.
_GROUP_SUBJECT = func.coalesce(Notification.case_id, Notification.handoff_id, -Notification.id)


def _subject(n: Notification) -> int:
    return n.case_id if n.case_id is not None else n.handoff_id or -n.id


# How many of a group's notifications its expanded list shows.
GROUP_SHOWN = 20


def notification_groups(
    user: User, *, limit: int, offset: int = 0
) -> tuple[list[NotificationGroup], bool]:
    """A page of `user`'s notifications grouped by case and kind, the group with the newest
    notification first, and whether another page follows."""
    newest = func.max(Notification.id)
    unread = func.sum(sql_case((Notification.read_at.is_(None), 1), else_=0))
    groups = db.session.execute(
        select(
            _GROUP_SUBJECT.label("subject"),
            Notification.event,
            func.count().label("count"),
            unread.label("unread"),
        )
        .where(Notification.user_id == user.id)
        .group_by(_GROUP_SUBJECT, Notification.event)
        .order_by(func.max(Notification.created_at).desc(), newest.desc())
        .limit(limit + 1)
        .offset(offset)
    ).all()
    has_next, groups = len(groups) > limit, groups[:limit]
    keys = {(g.subject, g.event): g for g in groups}
    found: dict[tuple[int, str], list[Notification]] = {key: [] for key in keys}
    subject_ids = [g.subject for g in groups if g.subject > 0]
    single_ids = [-g.subject for g in groups if g.subject < 0]
    if groups:
        rows = db.session.scalars(
            select(Notification)
            .options(joinedload(Notification.case), joinedload(Notification.user))
            .where(
                Notification.user_id == user.id,
                or_(
                    Notification.case_id.in_(subject_ids),
                    Notification.handoff_id.in_(subject_ids),
                    Notification.id.in_(single_ids),
                ),
            )
            .order_by(Notification.created_at.desc(), Notification.id.desc())
        )
        for n in rows:
            key = (_subject(n), n.event)
            if key in found and len(found[key]) < GROUP_SHOWN:
                found[key].append(n)
    return [
        NotificationGroup(found[key], count=g.count, unread=int(g.unread or 0))
        for key, g in keys.items()
        if found[key]
    ], has_next


# ---- the periodic step --------------------------------------------------------------------


def tick(now: datetime) -> dict[str, Any]:
    """`flask relq tick`'s step: claim the e-mails waiting (new ones, and failed ones whose
    retry time has come) and the daily summaries due (relq.notify.digest), and send them once
    the tick's transaction has committed. The summary is filled in by the sending, which runs
    before the command prints it."""
    from relq.notify.digest import send_daily_summaries
    from relq.notify.mail import TICK_BATCH, claim_pending, send_after_commit

    if not mail_enabled():
        return {"email": "off"}
    claimed = claim_pending(TICK_BATCH, now=now)
    summary: dict[str, Any] = {"claimed": len(claimed)}
    if claimed:
        send_after_commit(claimed, summary)
    summary["daily_summaries"] = send_daily_summaries(now)
    return summary
