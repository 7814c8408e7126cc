from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from relq.access import EVERYONE, allow
from relq.db import db, transaction
from relq.notify.forms import PreferencesForm, ReadAllForm, ReadForm
from relq.notify.messages import describe
from relq.notify.models import EVENTS, Notification
from relq.notify.services import (
    cases_seen_among,
    events_for,
    mail_enabled,
    mark_all_read,
    mark_read,
    notifications_of,
    preferences_of,
    save_preferences,
    unread_count,
)
from relq.org.models import User

bp = Blueprint("notify", __name__, url_prefix="/notifications")

PER_PAGE = 25


def unread_badge(user: User) -> int | None:
    """The menu's unread count: asked once per request, however often the menu is drawn."""
    cached = g.get("relq_unread")
    if cached is None or cached[0] != user.id:
        cached = g.relq_unread = (user.id, unread_count(user))
    return cached[1] or None


@bp.get("/")
@allow(EVERYONE)
def index():
    page = max(1, min(request.args.get("page", 1, type=int), 10_000))
    rows = db.session.scalars(
        notifications_of(current_user)
        .options(joinedload(Notification.case))
        .limit(PER_PAGE + 1)
        .offset((page - 1) * PER_PAGE)
    ).all()
    has_next, rows = len(rows) > PER_PAGE, rows[:PER_PAGE]
    seen = cases_seen_among(current_user, {n.case_id for n in rows if n.case_id})
    items = [(n, *describe(n, can_see=n.case_id is None or n.case_id in seen)) for n in rows]
    return render_template(
        "notify/index.html",
        items=items,
        page=page,
        has_next=has_next,
        any_unread=bool(unread_badge(current_user)),
        read_form=ReadForm(),
        read_all_form=ReadAllForm(),
    )


@bp.post("/read")
@allow(EVERYONE)
def read():
    form = ReadForm()
    if not form.validate_on_submit():
        abort(400)
    with transaction():
        notification = mark_read(current_user, form.id.data)
        if notification is None:
            abort(404)
        can_see = notification.case_id is None or bool(
            cases_seen_among(current_user, {notification.case_id})
        )
        _title, _body, url = describe(notification, can_see=can_see)
    return redirect(url)


@bp.post("/read-all")
@allow(EVERYONE)
def read_all():
    if not ReadAllForm().validate_on_submit():
        abort(400)
    with transaction():
        count = mark_all_read(current_user)
    if count:
        flash(_("All notifications marked as read."), "success")
    return redirect(url_for("notify.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@allow(EVERYONE)
def preferences():
    events = events_for(current_user)
    form = PreferencesForm.filled(preferences_of(current_user))
    if form.validate_on_submit():
        with transaction():
            changed = save_preferences(current_user, form.choices(events))
        if changed:
            flash(_("Your notification settings were saved."), "success")
        return redirect(url_for("notify.preferences"))
    return render_template(
        "notify/preferences.html",
        form=form,
        events=[(event, EVENTS[event]) for event in events],
        mail_enabled=mail_enabled(),
    )
