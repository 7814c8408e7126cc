"""The office calendar, as data, and business-time arithmetic on it.

Deadlines count working time only: 09:00–18:00 Asia/Tokyo, Monday to Friday, except Japanese
public holidays (jpholiday) and the year-end closure (12/29–1/3).

The arithmetic maps every moment to a *business position*: the microseconds of working time
since an arbitrary origin (a moment outside working hours takes the position of the next
opening). Adding business time is then adding to a position and mapping back; the business
time between two moments is the difference of their positions. Whole days are skipped by
index arithmetic over each year's list of working days (computed once per year), so the cost
of a call does not grow with the distance it spans.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import jpholiday

OFFICE_TZ = ZoneInfo("Asia/Tokyo")
OPENS = time(9, 0)
CLOSES = time(18, 0)
WORKING_WEEKDAYS = frozenset({0, 1, 2, 3, 4})  # Monday .. Friday
# (month, day) of the year-end closure (年末年始休業), both ends included.
YEAR_END_CLOSURE = ((12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3))

WORKDAY_MINUTES = (CLOSES.hour * 60 + CLOSES.minute) - (OPENS.hour * 60 + OPENS.minute)
_MINUTE = 60_000_000  # microseconds
_DAY = WORKDAY_MINUTES * _MINUTE
_OPENS_US = (OPENS.hour * 60 + OPENS.minute) * _MINUTE
# Working days are counted from the start of this year (earlier years get negative offsets).
# Any year would do, as positions are only compared with each other; one near today keeps
# the first call cheap, since every year between it and the base is computed once.
_BASE_YEAR = 2026
_TYPICAL_WORKING_DAYS = 240


@cache
def _holidays(year: int) -> frozenset[date]:
    closure = {date(year, month, day) for month, day in YEAR_END_CLOSURE}
    return frozenset({day for day, _name in jpholiday.year_holidays(year)} | closure)


def is_working_day(day: date) -> bool:
    return day.weekday() in WORKING_WEEKDAYS and day not in _holidays(day.year)


@cache
def _working_days(year: int) -> tuple[int, ...]:
    """The ordinals of `year`'s working days, in order."""
    first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    return tuple(n for n in range(first, last + 1) if is_working_day(date.fromordinal(n)))


@cache
def _year_offset(year: int) -> int:
    """How many working days lie between the base year's start and `year`'s start."""
    if year == _BASE_YEAR:
        return 0
    if year > _BASE_YEAR:
        return _year_offset(year - 1) + len(_working_days(year - 1))
    return _year_offset(year + 1) - len(_working_days(year))


def _rank(day: date) -> int:
    """The number of working days before `day` (from the origin): a working day's index, or,
    for a day off, the index of the next working day."""
    return _year_offset(day.year) + bisect_left(_working_days(day.year), day.toordinal())


def _day_of_rank(rank: int) -> date:
    year = _BASE_YEAR + rank // _TYPICAL_WORKING_DAYS
    while _year_offset(year) > rank:
        year -= 1
    while _year_offset(year + 1) <= rank:
        year += 1
    return date.fromordinal(_working_days(year)[rank - _year_offset(year)])


def _position(moment: datetime) -> int:
    """`moment`'s business position in microseconds (see the module's docstring)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the office calendar")
    local = moment.astimezone(OFFICE_TZ)
    day = local.date()
    rank = _rank(day)
    if not is_working_day(day):
        return rank * _DAY
    since_opening = (
        (local.hour * 3600 + local.minute * 60 + local.second) * 1_000_000
        + local.microsecond
        - _OPENS_US
    )
    return rank * _DAY + min(max(since_opening, 0), _DAY)


def _moment(position: int, *, closing: bool) -> datetime:
    """The UTC moment at business `position`. A position on a day boundary is both the close
    of one working day and the opening of the next: `closing` picks the former (a deadline of
    "the rest of today" ends at 18:00, not at 09:00 the next working day)."""
    rank, into = divmod(position, _DAY)
    if closing and into == 0:
        rank, into = rank - 1, _DAY
    day = _day_of_rank(rank)
    local = datetime.combine(day, OPENS, tzinfo=OFFICE_TZ) + timedelta(microseconds=into)
    return local.astimezone(UTC)


def add_business_minutes(start: datetime, minutes: float) -> datetime:
    """The moment `minutes` of working time after `start` (UTC). A start outside working
    hours counts from the next opening; a result at the end of a working day is 18:00 of
    that day. Negative `minutes` count backwards."""
    position = _position(start) + round(minutes * _MINUTE)
    return _moment(position, closing=minutes > 0)


def business_minutes_between(a: datetime, b: datetime) -> int:
    """Whole minutes of working time from `a` to `b` (0 when `b` is not after `a`)."""
    return max(_position(b) - _position(a), 0) // _MINUTE


def extend_by_pause(due: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
    """`due` moved later by exactly the working time between `paused_at` and `resumed_at`."""
    paused = max(_position(resumed_at) - _position(paused_at), 0)
    if paused == 0:
        return due
    return _moment(_position(due) + paused, closing=True)


def shift(moment: datetime, minutes: float) -> datetime:
    """`moment` moved by `minutes` of working time, keeping its position exactly (used to move
    an already computed deadline, which may have been extended by pauses)."""
    if minutes == 0:
        return moment
    return _moment(_position(moment) + round(minutes * _MINUTE), closing=True)
