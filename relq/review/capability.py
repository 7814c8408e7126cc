"""The management review (ISO 10002 §8.7): its pages, its menu item for executives and admins,
and the words of its audit trail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq.capability import Capability
from relq.nav import NavItem
from relq.review import services, views

CAPABILITY = Capability(
    name="review",
    blueprint=views.bp,
    menu=(
        NavItem(
            "review.index",
            _l("Management review"),
            visible=services.can_read_reviews,
            order=67,
        ),
    ),
    audit_labels=services.AUDIT_LABELS,
    audit_objects=services.AUDIT_OBJECTS,
    audit_values=services.AUDIT_VALUES,
)
