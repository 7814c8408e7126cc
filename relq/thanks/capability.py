"""Compliments passed on to the people named (the thanks feed)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq.capability import Capability
from relq.cases.panels import Panel
from relq.nav import NavItem
from relq.thanks import digest, views

CAPABILITY = Capability(
    name="thanks",
    blueprint=views.bp,
    menu=(NavItem("thanks.index", _l("Thanks"), order=60),),
    panels=(
        Panel("thanks", "thanks/_panel.html", area="side", context=views.case_panel, order=30),
    ),
    audit_objects={"compliment": _l("Compliment")},
    audit_labels={
        "compliment.shared": _l("Compliment passed on"),
        "compliment.withdrawn": _l("Compliment taken out of the feed"),
    },
    digest=digest.section,
)
