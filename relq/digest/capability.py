"""The weekly voice-of-customer digest: its pages (the executives' landing page, a week, the
archive) and the words of its audit events. Each capability brings its own section
(`Capability.digest`: called with a relq.digest.scope.DigestScope, returns JSON-able data)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq.capability import Capability
from relq.digest import delivery, delivery_views, services, views
from relq.nav import NavItem

views.bp.register_blueprint(delivery_views.bp)  # /digest/subscription, /digest/readers


def tick(now):
    """The digest's step of the clock: archive the weeks that are due (relq.digest.services),
    then send the Monday e-mail (relq/digest/delivery.py), which reads those snapshots."""
    archived = services.archive_due(now)
    # The same dict the delivery's step fills in once its e-mails are sent (after the commit).
    summary = delivery.tick(now)
    summary["archived"] = archived
    return summary


CAPABILITY = Capability(
    name="digest",
    blueprint=views.bp,
    tick=tick,
    menu=(
        NavItem(
            "digest.index",
            _l("Weekly digest"),
            visible=services.can_open,
            order=5,
        ),
        *delivery_views.MENU,
    ),
    audit_objects={"digest": _l("Weekly digest"), **delivery_views.AUDIT_OBJECTS},
    audit_labels={"digest.archived": _l("Weekly digest archived"), **delivery_views.AUDIT_LABELS},
)
