"""The digest's charts, drawn with relq.charts from a snapshot's numbers only."""

from __future__ import annotations

from typing import Any


def charts_for(data: dict[str, Any], locale: str) -> dict[str, Any]:
    return {}
