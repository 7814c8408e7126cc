"""Logging in and out, passwords and the language of each person."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq.auth import views
from relq.capability import Capability

CAPABILITY = Capability(
    name="auth",
    blueprint=views.bp,
    audit_labels={
        "user.logged_in": _l("Logged in"),
        "user.logged_out": _l("Logged out"),
        "user.password_changed": _l("Password changed"),
        "user.locale_changed": _l("Language changed"),
    },
)
