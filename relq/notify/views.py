from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from relq.access import EVERYONE, allow
from relq.db import transaction
from relq.notify.forms import PreferencesForm, ReadAllForm, ReadForm
from relq.notify.messages import describe
from relq.notify.models import EVENTS
from relq.notify.services import (
    cases_seen_among,
    email_delivery_of,
    events_for,
    mail_enabled,
    mark_all_read,
    mark_group_read,
    mark_read,
    newest_notification_id,
    notification_groups,
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
    """The reader's notifications grouped by case and kind ("C-2026-000123: 3 updates"), the
    group with the newest first; each group expands to its notifications."""
    page = max(1, min(request.args.get("page", 1, type=int), 10_000))
    groups, has_next = notification_groups(
        current_user, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    seen = cases_seen_among(
        current_user, {g.newest.case_id for g in groups if g.newest.case_id is not None}
    )
    items = [
        (
            group,
            [
                (n, *describe(n, can_see=n.case_id is None or n.case_id in seen))
                for n in group.notifications
            ],
        )
        for group in groups
    ]
    newest_id = newest_notification_id(current_user)
    return render_template(
        "notify/index.html",
        items=items,
        page=page,
        has_next=has_next,
        any_unread=bool(unread_badge(current_user)),
        read_form=ReadForm(),
        read_all_form=ReadAllForm(formdata=None, up_to=newest_id),
    )


@bp.post("/read")
@allow(EVERYONE)
def read():
    form = ReadForm()
    if not form.validate_on_submit():
        abort(400)
    with transaction():
        mark = mark_group_read if form.group.data else mark_read
        notification = mark(current_user, form.id.data)
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
    form = ReadAllForm()
    if not form.validate_on_submit():
        abort(400)
    with transaction():
        count = mark_all_read(current_user, up_to_id=form.up_to.data)
    if count:
        flash(_("All notifications marked as read."), "success")
    return redirect(url_for("notify.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@allow(EVERYONE)
def preferences():
    events = events_for(current_user)
    form = PreferencesForm.filled(preferences_of(current_user), email_delivery_of(current_user))
    if form.validate_on_submit():
        with transaction():
            changed = save_preferences(
                current_user, form.choices(events), email_delivery=form.email_delivery.data
            )
        if changed:
            flash(_("Your notification settings were saved."), "success")
        return redirect(url_for("notify.preferences"))
    return render_template(
        "notify/preferences.html",
        form=form,
        events=[(event, EVENTS[event]) for event in events],
        mail_enabled=mail_enabled(),
    )
