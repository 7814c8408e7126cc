"""Departments and people (admin)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq import access
from relq.capability import Capability
from relq.nav import NavItem
from relq.org import views
from relq.org.forms import ROLE_LABELS

CAPABILITY = Capability(
    name="org",
    blueprint=views.bp,
    menu=(
        NavItem("org.users", _l("Users"), visible=access.can_manage_org, order=70),
        NavItem("org.departments", _l("Departments"), visible=access.can_manage_org, order=71),
    ),
    audit_objects={"user": _l("User"), "department": _l("Department")},
    audit_values={"user.role": ROLE_LABELS},
    audit_labels={
        "user.created": _l("User created"),
        "user.updated": _l("User changed"),
        "department.created": _l("Department created"),
        "department.updated": _l("Department changed"),
    },
)
