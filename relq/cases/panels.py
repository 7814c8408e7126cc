"""Panels that other capabilities add to the case page (the department's answer, deadlines,
escalations, harassment record, compliment), so that the case page need not know them.

A panel is a template included in the case page's main column or side column; `context`
returns the variables it needs (None hides the panel), computed only for the case on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app

from relq.cases.models import Case
from relq.org.models import User


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    area: str  # "main" (below the customer's words) or "side" (beside the next steps)
    context: Callable[[Case, User], dict[str, Any] | None]
    order: int = 50

    def __post_init__(self) -> None:
        if self.area not in ("main", "side"):
            raise ValueError(f"panel {self.name}: area must be main or side, not {self.area}")


def panels_for(case: Case, user: User) -> dict[str, list[tuple[Panel, dict[str, Any]]]]:
    """{"main": [(panel, its variables)], "side": [...]} for the panels that show."""
    shown: dict[str, list[tuple[Panel, dict[str, Any]]]] = {"main": [], "side": []}
    for panel in current_app.extensions["relq"].panels:  # relq.capability.install
        values = panel.context(case, user)
        if values is not None:
            shown[panel.area].append((panel, values))
    return shown
