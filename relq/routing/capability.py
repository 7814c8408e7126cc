"""Routing rules (admin)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq import access
from relq.capability import Capability
from relq.nav import NavItem
from relq.routing import events, views

CAPABILITY = Capability(
    name="routing",
    blueprint=views.bp,
    # Installed after deadlines, escalations and notifications (relq/capabilities.py): a new
    # case's clocks exist before a rule routes it, as when a person routes it.
    receivers={
        "case_created": (events.on_case_created,),
        "case_analysed": (events.on_case_analysed,),
    },
    audit_objects={"routing_rule": _l("Routing rule")},
    audit_labels={
        "routing_rule.created": _l("Routing rule created"),
        "routing_rule.updated": _l("Routing rule changed"),
        "routing_rule.moved": _l("Routing rule moved"),
    },
    menu=(NavItem("routing.index", _l("Routing"), visible=access.can_manage_org, order=73),),
)
