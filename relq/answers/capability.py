"""The owning department's answers (受領 / 対応予定 / 対応済 / 対応しない) and the leads' inbox."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from relq import access
from relq.answers import views
from relq.capability import Capability
from relq.cases.panels import Panel
from relq.nav import NavItem

CAPABILITY = Capability(
    name="answers",
    blueprint=views.bp,
    menu=(
        NavItem(
            "answers.index",
            _l("Inbox"),
            visible=access.can_read_inbox,
            order=12,
            badge=views._waiting_badge,
        ),
        NavItem("answers.feed", _l("Answers"), visible=access.is_front_line, order=14),
    ),
    panels=(
        Panel("answers", "answers/_panel.html", area="main", context=views._case_panel, order=5),
    ),
)
