"""Internal-customer handoffs between departments: the inbox, the handoff page, asking another
department, the admins' times per department pair, the case page's hops, and the clock."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq import access
from relq.capability import Capability
from relq.cases.panels import Panel
from relq.handoffs import services, views
from relq.handoffs.models import STATUSES
from relq.nav import NavItem

CAPABILITY = Capability(
    name="handoffs",
    blueprint=views.bp,
    # Stamps overdue and stalled handoffs; their observers (notifications, escalations) react.
    tick=services.tick,
    menu=(
        NavItem(
            "handoffs.index",
            _l("Handoffs"),
            visible=access.can_read_handoff_inbox,
            order=16,
            badge=views.waiting_badge,
            # Kept under the "handoffs" topic by the view itself (relq.cache), not "cases".
            badge_from_data=False,
        ),
        NavItem(
            "handoffs.policies",
            _l("Handoff times"),
            visible=access.can_manage_handoff_policies,
            order=75,
        ),
    ),
    panels=(
        Panel("handoffs", "handoffs/_panel.html", area="side", context=views.case_panel, order=15),
    ),
    audit_objects={
        "handoff": _l("Handoff"),
        "handoff_policy": _l("Handoff time (department pair)"),
    },
    audit_values={"handoff.status": STATUSES},
    audit_labels={
        "handoff.requested": _l("Another department asked"),
        "handoff.accept": _l("Handoff accepted"),
        "handoff.decline": _l("Handoff declined"),
        "handoff.answer": _l("Handoff answered"),
        "handoff.send_back": _l("Handoff sent back (not what was needed)"),
        "handoff.confirm": _l("Handoff confirmed and rated"),
        "handoff.cancel": _l("Handoff cancelled"),
        "handoff.message": _l("Handoff message"),
        "handoff_policy.updated": _l("Handoff time of a department pair set"),
    },
)
