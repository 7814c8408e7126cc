"""Routing rules (admin)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq import access
from relq.capability import Capability
from relq.nav import NavItem
from relq.routing import views

CAPABILITY = Capability(
    name="routing",
    blueprint=views.bp,
    menu=(NavItem("routing.index", _l("Routing"), visible=access.can_manage_org, order=73),),
)
