from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

JST = ZoneInfo("Asia/Tokyo")


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST).astimezone(UTC)


class Clock:
    """The time the deadline receivers see, set by the test."""

    def __init__(self):
        self.now = jst(2026, 11, 18, 10, 0)  # a Wednesday morning

    def set(self, *args) -> datetime:
        self.now = jst(*args)
        return self.now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("relq.deadlines.events.utcnow", fake)
    return fake
