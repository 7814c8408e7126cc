"""The weekly voice-of-customer digest: its pages (the executives' landing page, a week, the
archive) and the words of its audit events. Each capability brings its own section
(`Capability.digest`: called with a relq.digest.scope.DigestScope, returns JSON-able data)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq.capability import Capability
from relq.digest import services, views
from relq.nav import NavItem

CAPABILITY = Capability(
    name="digest",
    blueprint=views.bp,
    # Archives the weeks that are due (Monday 08:00 in Tokyo), and the demo's earlier weeks.
    tick=services.archive_due,
    menu=(
        NavItem(
            "digest.index",
            _l("Weekly digest"),
            visible=services.can_open,
            order=5,
        ),
    ),
    audit_objects={"digest": _l("Weekly digest")},
    audit_labels={"digest.archived": _l("Weekly digest archived")},
)
