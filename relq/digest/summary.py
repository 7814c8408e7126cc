"""The digest's summary: five to eight sentences written from the numbers (filled in step 4)."""

from __future__ import annotations

from typing import Any


def summarise(data: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    return {"ja": [], "en": []}
