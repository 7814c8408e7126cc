"""Personal data under APPI: purpose of use, retention, customers' requests, the read log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq.capability import Capability
from relq.cases.panels import Panel
from relq.nav import NavItem
from relq.privacy import views
from relq.privacy.access import can_handle_privacy
from relq.privacy.models import REQUEST_KINDS, REQUEST_STATUSES
from relq.privacy.retention import retention_step

CAPABILITY = Capability(
    name="privacy",
    blueprint=views.bp,
    tick=retention_step,
    menu=(NavItem("privacy.index", _l("Personal data"), visible=can_handle_privacy, order=88),),
    panels=(
        Panel(
            "privacy", "privacy/_case_panel.html", area="side", context=views.case_panel, order=90
        ),
    ),
    audit_objects={
        "customer": _l("Customer"),
        "privacy_request": _l("Personal-data request"),
        "privacy_policy": _l("Privacy settings"),
    },
    audit_values={
        "privacy_request.kind": REQUEST_KINDS,
        "privacy_request.status": REQUEST_STATUSES,
    },
    audit_labels={
        "privacy.policy_saved": _l("Privacy settings saved"),
        "privacy.request_opened": _l("Personal-data request received"),
        "privacy.request_closed": _l("Personal-data request closed"),
        "privacy.customer_corrected": _l("Customer's data corrected"),
        "privacy.customer_erased": _l("Customer's data erased"),
        "privacy.disclosed": _l("Customer's data disclosed (export)"),
    },
)
