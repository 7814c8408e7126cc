"""The managed tag list and the tags on cases."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq import access
from relq.capability import Capability
from relq.nav import NavItem
from relq.tags import views

CAPABILITY = Capability(
    name="tags",
    blueprint=views.bp,
    menu=(NavItem("tags.index", _l("Tags"), visible=access.can_manage_org, order=72),),
    audit_labels={
        "tag.accept": _l("Tag accepted"),
        "tag.reject": _l("Tag rejected"),
        "tag.add": _l("Tag added"),
        "tag.remove": _l("Tag removed"),
        "tag.created": _l("Tag created"),
        "tag.updated": _l("Tag changed"),
    },
)
