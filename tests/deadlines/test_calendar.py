"""The office calendar: business-time arithmetic across weekends, public holidays and the
year-end closure, with exact expected moments (Asia/Tokyo)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from relq.deadlines.calendar import (
    add_business_minutes,
    business_minutes_between,
    extend_by_pause,
    is_working_day,
)

JST = ZoneInfo("Asia/Tokyo")


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST).astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        # Within one day.
        (jst(2026, 11, 18, 10, 0), 90, jst(2026, 11, 18, 11, 30)),
        # The rest of the day ends at closing time, not at the next opening.
        (jst(2026, 11, 18, 9, 0), 540, jst(2026, 11, 18, 18, 0)),
        # Across a weekend: 1h30 on Friday, 1h30 on Monday.
        (jst(2026, 11, 13, 16, 30), 180, jst(2026, 11, 16, 10, 30)),
        # Across a weekend and a Monday holiday (2026-11-23 勤労感謝の日).
        (jst(2026, 11, 20, 17, 0), 120, jst(2026, 11, 24, 10, 0)),
        # Across the year-end closure (12/29–1/3; 2027-01-01 元日 is a Friday).
        (jst(2026, 12, 28, 17, 0), 120, jst(2027, 1, 4, 10, 0)),
        (jst(2026, 12, 25, 9, 0), 540 * 3, jst(2027, 1, 4, 18, 0)),
        # Ten working days from Monday 2026-11-16, skipping the holiday of the 23rd.
        (jst(2026, 11, 16, 9, 0), 540 * 10, jst(2026, 11, 30, 18, 0)),
        # Starts outside working hours count from the next opening.
        (jst(2026, 11, 24, 22, 0), 30, jst(2026, 11, 25, 9, 30)),
        (jst(2026, 11, 25, 7, 0), 540, jst(2026, 11, 25, 18, 0)),
        (jst(2026, 11, 21, 11, 0), 60, jst(2026, 11, 24, 10, 0)),  # a Saturday
        (jst(2026, 11, 23, 10, 0), 60, jst(2026, 11, 24, 10, 0)),  # the holiday itself
        (jst(2026, 12, 31, 10, 0), 1, jst(2027, 1, 4, 9, 1)),
        # Minutes and seconds of the start are kept.
        (jst(2026, 11, 18, 10, 15, 30), 10, jst(2026, 11, 18, 10, 25, 30)),
    ],
)
def test_add_business_minutes(start, minutes, expected):
    assert add_business_minutes(start, minutes) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (jst(2026, 11, 20, 17, 0), jst(2026, 11, 24, 10, 0), 120),
        (jst(2026, 11, 13, 16, 30), jst(2026, 11, 16, 10, 30), 180),
        (jst(2026, 12, 28, 9, 0), jst(2027, 1, 4, 9, 0), 540),
        (jst(2026, 11, 21, 0, 0), jst(2026, 11, 23, 23, 0), 0),  # Saturday to the holiday
        (jst(2026, 11, 24, 19, 0), jst(2026, 11, 25, 8, 0), 0),  # overnight
        (jst(2026, 11, 25, 10, 0), jst(2026, 11, 24, 10, 0), 0),  # backwards
        # A whole office year: 240 working days (counted by hand from the weekdays and jpholiday).
        (jst(2026, 1, 5, 9, 0), jst(2027, 1, 4, 9, 0), 540 * 240),
    ],
)
def test_business_minutes_between(a, b, expected):
    assert business_minutes_between(a, b) == expected


def test_working_days():
    assert is_working_day(datetime(2026, 11, 24).date())
    assert not is_working_day(datetime(2026, 11, 23).date())  # 勤労感謝の日
    assert not is_working_day(datetime(2026, 11, 22).date())  # Sunday
    assert not is_working_day(datetime(2026, 12, 29).date())  # year-end closure
    assert not is_working_day(datetime(2027, 1, 1).date())  # 元日
    assert not is_working_day(datetime(2027, 1, 11).date())  # 成人の日
    assert is_working_day(datetime(2027, 1, 4).date())


def test_adding_then_measuring_gives_the_minutes_back():
    rng = random.Random(20261123)
    origin = jst(2025, 12, 1, 0, 0)
    for _ in range(3000):
        # Any moment of 2025-12 .. 2028, night and weekends included, to the second.
        start = origin + timedelta(seconds=rng.randrange(0, 3 * 365 * 86400))
        minutes = rng.choice([rng.randrange(1, 600), rng.randrange(1, 30000)])
        due = add_business_minutes(start, minutes)
        assert business_minutes_between(start, due) == minutes, (start, minutes, due)
        local = due.astimezone(JST)
        assert is_working_day(local.date())
        assert time(9, 0) < local.time() <= time(18, 0)
        assert due > start


def test_a_pause_moves_the_deadline_by_the_business_time_paused():
    due = jst(2026, 11, 26, 15, 0)
    # Paused Friday 16:00 → Tuesday 11:00 over a weekend and the Monday holiday: 4 hours.
    extended = extend_by_pause(due, jst(2026, 11, 20, 16, 0), jst(2026, 11, 24, 11, 0))
    assert extended == jst(2026, 11, 27, 10, 0)  # Thu 15:00 + 3h to 18:00 + 1h on Friday
    assert business_minutes_between(due, extended) == 240
    # A pause entirely out of hours moves nothing.
    assert extend_by_pause(due, jst(2026, 11, 21, 10, 0), jst(2026, 11, 23, 17, 0)) == due


def test_naive_moments_are_refused():
    with pytest.raises(ValueError, match="naive"):
        add_business_minutes(datetime(2026, 11, 24, 10, 0), 10)


def test_counting_backwards():
    assert add_business_minutes(jst(2026, 11, 24, 10, 0), -120) == jst(2026, 11, 20, 17, 0)
