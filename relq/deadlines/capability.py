"""Deadlines on the office calendar: clocks, policies and attainment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq import access
from relq.capability import Capability
from relq.cases.panels import Panel
from relq.deadlines import digest, events, services, views
from relq.nav import NavItem

CAPABILITY = Capability(
    name="deadlines",
    blueprint=views.bp,
    receivers={
        "case_created": (events.on_case_created,),
        "case_transitioned": (events.on_case_transitioned,),
        "note_added": (events.on_note_added,),
        "case_updated": (events.on_case_updated,),
    },
    tick=services.tick,
    menu=(
        NavItem("deadlines.index", _l("Deadlines"), visible=access.can_read_attainment, order=42),
        NavItem(
            "deadlines.policies",
            _l("Deadline policies"),
            visible=access.can_manage_deadline_policies,
            order=74,
        ),
    ),
    panels=(
        Panel(
            "deadlines", "deadlines/_panel.html", area="side", context=views._case_panel, order=10
        ),
    ),
    audit_objects={"deadline_policy": _l("Deadline policy")},
    audit_labels={
        "deadline_policy.updated": _l("Deadline policy changed"),
    },
    digest=digest.section,
)
