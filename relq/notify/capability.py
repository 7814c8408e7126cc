"""Notifications in the app and by e-mail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq.capability import Capability
from relq.nav import NavItem
from relq.notify import events, services, views

CAPABILITY = Capability(
    name="notify",
    blueprint=views.bp,
    receivers=events.RECEIVERS,
    tick=services.tick,
    menu=(NavItem("notify.index", _l("Notifications"), order=90, badge=views.unread_badge),),
    audit_labels={
        "notification_preferences.updated": _l("Notification settings changed"),
    },
)
