"""The ISO week in Tokyo's time: parsing, bounds, the last complete week."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from relq.digest.week import IsoWeek


def test_parse_and_text():
    assert IsoWeek.parse("2026-W48") == IsoWeek(2026, 48)
    assert str(IsoWeek(2026, 1)) == "2026-W01"
    for bad in ("2026-48", "2026-W4", "2026-W54", "2025-W53", "x", "", "2026-W00"):
        with pytest.raises(ValueError):
            IsoWeek.parse(bad)
    assert IsoWeek.parse("2020-W53") == IsoWeek(2020, 53)  # 2020 had 53 ISO weeks


def test_bounds_are_tokyo_mondays_in_utc():
    start, end = IsoWeek(2026, 48).bounds()
    # Monday 23 November 2026 00:00 JST is Sunday 22 November 15:00 UTC.
    assert start == datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 29, 15, 0, tzinfo=UTC)


def test_last_complete_week_is_counted_in_tokyo():
    # Sunday 29 November 2026 16:00 UTC is already Monday 30 November 01:00 in Tokyo.
    assert IsoWeek.last_complete(datetime(2026, 11, 29, 16, 0, tzinfo=UTC)) == IsoWeek(2026, 48)
    # Sunday 29 November 14:00 UTC is Sunday 23:00 in Tokyo: W48 is not over yet.
    assert IsoWeek.last_complete(datetime(2026, 11, 29, 14, 0, tzinfo=UTC)) == IsoWeek(2026, 47)


def test_previous_next_and_year_before_cross_years():
    assert IsoWeek(2026, 1).previous() == IsoWeek(2025, 52)
    assert IsoWeek(2026, 48).previous(4) == IsoWeek(2026, 44)
    assert IsoWeek(2025, 52).next() == IsoWeek(2026, 1)
    assert IsoWeek(2026, 48).year_before() == IsoWeek(2025, 48)
    assert IsoWeek(2021, 53 - 1).year_before() == IsoWeek(2020, 52)
    assert IsoWeek(2020, 53).year_before() is None  # 2019 had 52 weeks
    assert IsoWeek(2026, 1) < IsoWeek(2026, 2) < IsoWeek(2027, 1)
