"""The case: intake, the list, the case page, the lifecycle and notes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq import access
from relq.capability import Capability
from relq.cases import digest, views
from relq.cases.models import CHANNELS, KINDS, NOTE_KINDS, SEVERITIES, STATUSES
from relq.cases.panels import Panel
from relq.nav import NavItem

CAPABILITY = Capability(
    name="cases",
    blueprint=views.bp,
    panels=(
        Panel(
            "customer-history",
            "cases/_customer_panel.html",
            area="side",
            context=views.customer_history_panel,
            order=5,
        ),
    ),
    menu=(
        NavItem("cases.index", _l("Cases"), order=10),
        NavItem("cases.new", _l("New case"), visible=access.can_create_case, order=30),
    ),
    audit_objects={
        "case": _l("Case"),
        "note": _l("Note"),
        "case_list": _l("Case list"),
        "saved_view": _l("Saved list view"),
    },
    audit_values={
        "case.status": STATUSES,
        "case.kind": KINDS,
        "case.channel": CHANNELS,
        "case.severity": SEVERITIES,
        "note.kind": NOTE_KINDS,
    },
    audit_labels={
        "case.created": _l("Case logged"),
        "case.imported": _l("Imported from history"),
        "case.updated": _l("Case edited"),
        "case.route": _l("Routed"),
        "case.reroute": _l("Rerouted"),
        "case.acknowledge": _l("Acknowledged (受領)"),
        "case.plan": _l("Response planned (対応予定)"),
        "case.complete": _l("Done (対応済)"),
        "case.decline": _l("Declined (対応しない)"),
        "case.start": _l("Work started"),
        "case.await_customer": _l("Waiting for the customer"),
        "case.customer_replied": _l("Customer replied"),
        "case.resolve": _l("Resolved"),
        "case.close": _l("Closed"),
        "case.reopen": _l("Reopened"),
        "case.assigned": _l("Assignee changed"),
        "note.added": _l("Note added"),
        "cases.exported": _l("Case list exported (CSV)"),
        "saved_view.created": _l("List view saved"),
        "saved_view.deleted": _l("Saved list view deleted"),
    },
    digest=digest.section,
)
