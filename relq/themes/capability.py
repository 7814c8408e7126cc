"""Recurring themes and surges."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq.capability import Capability
from relq.nav import NavItem
from relq.themes import digest, views

CAPABILITY = Capability(
    name="themes",
    blueprint=views.bp,
    menu=(NavItem("themes.index", _l("Themes"), order=20),),
    audit_objects={"surge_alert": _l("Surge alert")},
    audit_labels={"surge.recorded": _l("Surge recorded")},
    digest=digest.section,
)
