"""The REST API: /api/v1 (cases and the rest, tokens only, no CSRF) and the page where people
keep their API tokens (/settings/api-tokens). One blueprint, "api", holding both."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from relq import csrf
from relq.api import cases, guard, token_views, views
from relq.api.models import SCOPES
from relq.capability import Capability
from relq.nav import NavItem

v1 = Blueprint("v1", __name__, url_prefix="/api/v1")
v1.register_blueprint(cases.bp)
v1.register_blueprint(views.bp)
v1.after_request(guard.add_rate_headers)
# The API authenticates by bearer token only (never the session cookie): no CSRF to forge.
for part in (cases.bp, views.bp):
    csrf.exempt(part)

bp = Blueprint("api", __name__)
bp.register_blueprint(v1)
bp.register_blueprint(token_views.bp)
bp.before_app_request(guard.guard_api_request)

CAPABILITY = Capability(
    name="api",
    blueprint=bp,
    menu=(NavItem("api.tokens.index", _l("API tokens"), order=95),),
    audit_objects={"api_token": _l("API token")},
    audit_values={"api_token.scope": SCOPES},
    audit_labels={
        "api_token.created": _l("API token created"),
        "api_token.revoked": _l("API token revoked"),
    },
)
