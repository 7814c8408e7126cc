"""E-mail intake: a mailbox becomes cases (relq/mailin)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq.capability import Capability
from relq.cases.panels import Panel
from relq.mailin import jobs, views
from relq.mailin.failed import can_manage_inbound_mail
from relq.mailin.models import OUTCOMES, STATUSES
from relq.nav import NavItem

CAPABILITY = Capability(
    name="mailin",
    blueprint=views.bp,
    tick=jobs.tick,  # polls the mailbox and processes what waits, off the clock's transaction
    menu=(NavItem("mailin.index", _l("Incoming mail"), visible=can_manage_inbound_mail, order=76),),
    panels=(
        Panel(
            "mail_attachments",
            "mailin/_panel.html",
            area="main",
            context=views.case_panel,
            order=60,
        ),
    ),
    audit_objects={"inbound_message": _l("Incoming e-mail")},
    audit_labels={
        "mail.became_case": _l("E-mail became a new case"),
        "mail.became_note": _l("E-mail became a note on the case"),
        "mail.failed": _l("E-mail could not be processed"),
        "mail.retried": _l("E-mail queued to be processed again"),
        "mail.dismissed": _l("Failed e-mail dismissed"),
    },
    audit_values={"inbound_message.status": STATUSES, "inbound_message.outcome": OUTCOMES},
)
