"""The relationship map between departments and each department's 関係品質 scorecard."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq import access
from relq.capability import Capability
from relq.nav import NavItem
from relq.relations import digest, views

CAPABILITY = Capability(
    name="relations",
    blueprint=views.bp,
    menu=(
        NavItem(
            "relations.index",
            _l("Relationship map"),
            visible=access.can_read_relationship_map,
            order=44,
        ),
        NavItem(
            "relations.scorecards",
            _l("Relationship quality"),
            visible=access.can_read_relationship_map,
            order=45,
        ),
    ),
    digest=digest.section,
)
