"""The audit trail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq import access
from relq.audit import views
from relq.capability import Capability
from relq.nav import NavItem

CAPABILITY = Capability(
    name="audit",
    blueprint=views.bp,
    menu=(NavItem("audit.index", _l("Audit trail"), visible=access.can_read_audit, order=80),),
)
