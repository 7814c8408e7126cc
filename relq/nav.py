"""The main menu, built from the items each capability declares (relq/capability.py), so that
adding a page to the menu is one line in its capability and never an edit of the base
template."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from relq.org.models import User


def everyone(_user: User) -> bool:
    return True


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string: translated when the menu is drawn
    visible: Callable[[User], bool] = everyone
    order: int = 50
    # A number to show beside the label (e.g. unread notifications), or None.
    badge: Callable[[User], int | None] | None = None
    # Whether the badge depends only on the database and the user (a count of rows): then it
    # is kept until a case or a person changes (relq.cache) instead of being counted on
    # every page. A badge that also depends on the clock must say False.
    badge_from_data: bool = True


@dataclass(frozen=True, slots=True)
class NavEntry:
    """One menu item as the base template draws it: the label in the viewer's language."""

    endpoint: str
    label: str
    badge: Callable[[User], int | None] | None


_labels: dict[tuple[str, str], str] = {}


def _kept_badge(item: NavItem) -> Callable[[User], int | None]:
    from relq.cache import kept

    def badge(user: User) -> int | None:
        return kept(
            ("cases", "org"), ("nav-badge", item.endpoint, user.id), lambda: item.badge(user)
        )

    return badge


def items_for(user: User) -> list[NavEntry]:
    """The items `user` may see, in menu order (labels translated once per language)."""
    from relq.i18n import locale_code

    locale = locale_code()
    entries = []
    for item in current_app.extensions["relq"].menu:  # relq.capability.install
        if not item.visible(user):
            continue
        label = _labels.get((locale, item.endpoint))
        if label is None:
            label = _labels[(locale, item.endpoint)] = str(item.label)
        badge = item.badge
        if badge is not None and item.badge_from_data:
            badge = _kept_badge(item)
        entries.append(NavEntry(item.endpoint, label, badge))
    return entries
