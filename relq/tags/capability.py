"""The managed tag list and the tags on cases."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq import access
from relq.capability import Capability
from relq.nav import NavItem
from relq.tags import views
from relq.tags.models import TAG_STATES

CAPABILITY = Capability(
    name="tags",
    blueprint=views.bp,
    menu=(NavItem("tags.index", _l("Tags"), visible=access.can_manage_org, order=72),),
    audit_objects={"tag": _l("Tag"), "case_tag": _l("Tag on a case")},
    audit_values={"case_tag.state": TAG_STATES},
    audit_labels={
        "tag.accept": _l("Tag accepted"),
        "tag.reject": _l("Tag rejected"),
        "tag.add": _l("Tag added"),
        "tag.remove": _l("Tag removed"),
        "tag.created": _l("Tag created"),
        "tag.updated": _l("Tag changed"),
    },
)
