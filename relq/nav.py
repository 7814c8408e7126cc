"""The main menu, built from what each capability registers, so that adding a page to the menu
is one line beside the page's view and never an edit of the base template."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from relq.org.models import User


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string: translated when the menu is drawn
    visible: Callable[[User], bool]
    order: int
    # A number to show beside the label (e.g. unread notifications), or None.
    badge: Callable[[User], int | None] | None = None


_items: dict[str, NavItem] = {}


def register(
    endpoint: str,
    label: object,
    *,
    visible: Callable[[User], bool] = lambda user: True,
    order: int = 50,
    badge: Callable[[User], int | None] | None = None,
) -> None:
    _items[endpoint] = NavItem(endpoint, label, visible, order, badge)


def items_for(user: User) -> list[NavItem]:
    return sorted((item for item in _items.values() if item.visible(user)), key=lambda i: i.order)
