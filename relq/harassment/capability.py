"""Customer-harassment records and care for the staff member."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq import access
from relq.capability import Capability
from relq.cases.panels import Panel
from relq.harassment import digest, views
from relq.nav import NavItem

CAPABILITY = Capability(
    name="harassment",
    blueprint=views.bp,
    menu=(
        NavItem(
            "harassment.index",
            _l("Customer harassment"),
            visible=access.can_see_harassment_overview,
            order=70,
        ),
    ),
    panels=(
        Panel(
            "harassment", "harassment/_panel.html", area="side", context=views.case_panel, order=20
        ),
    ),
    audit_objects={"harassment_report": _l("Harassment record")},
    audit_labels={
        "harassment.flagged": _l("Flagged as customer harassment"),
        "harassment.updated": _l("Harassment record changed"),
        "harassment.follow_up_added": _l("Follow-up with the staff member recorded"),
    },
    digest=digest.section,
)
