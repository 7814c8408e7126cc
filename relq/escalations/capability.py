"""Escalations to management."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq import access
from relq.capability import Capability
from relq.cases.panels import Panel
from relq.escalations import digest, events, services, views
from relq.nav import NavItem

CAPABILITY = Capability(
    name="escalations",
    blueprint=views.bp,
    receivers={
        "case_transitioned": (events._on_transition,),
        "case_created": (events._on_created,),
        "case_updated": (events._on_updated,),
        "note_added": (events._on_note,),
        "harassment_flagged": (events._on_harassment,),
        "deadline_missed": (events._on_deadline_missed,),
        "surge_recorded": (events._on_surge,),
        "handoff_stalled": (events._on_handoff_stalled,),
    },
    tick=services.tick,
    menu=(
        NavItem(
            "escalations.index", _l("Escalations"), visible=access.can_read_escalations, order=40
        ),
    ),
    panels=(
        Panel(
            "escalations",
            "escalations/_panel.html",
            area="main",
            context=views._case_panel,
            order=10,
        ),
    ),
    audit_labels={
        "escalation.opened": _l("Escalated"),
        "escalation.raised": _l("Escalation raised to management"),
        "escalation.assigned": _l("Escalation owner changed"),
        "escalation.commented": _l("Escalation commented"),
        "escalation.closed": _l("Escalation decided and closed"),
    },
    digest=digest.section,
)
