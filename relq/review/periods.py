"""The period a management review looks at: a calendar quarter, a Japanese fiscal quarter
(the fiscal year starts in April: 第1四半期 is April to June) or any span of days, in office
(Asia/Tokyo) dates, both ends included; and the period just before it, for comparison."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _

from relq.deadlines.calendar import OFFICE_TZ
from relq.errors import Invalid

# A review looks at most at a year (and a little: a fiscal year that starts mid-week).
MAX_DAYS = 370
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str  # "quarter", "fiscal_quarter" or "custom"
    start: date
    end: date  # included

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=OFFICE_TZ).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return datetime.combine(
            self.end + timedelta(days=1), time.min, tzinfo=OFFICE_TZ
        ).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def days_until(self, today: date) -> int:
        """The days of the period up to `today` (included): all of them once it is over."""
        return max((min(self.end, today) - self.start).days + 1, 0)

    def previous(self) -> Period:
        """The period just before: the quarter before, or as many days before a custom one."""
        if self.kind in ("quarter", "fiscal_quarter"):
            start = _add_months(self.start, -3)
            return Period(self.kind, start, self.start - timedelta(days=1))
        return Period(
            self.kind, self.start - timedelta(days=self.days), self.start - timedelta(days=1)
        )

    @property
    def quarter(self) -> tuple[int, int]:
        """(year, quarter number) as the kind counts them (fiscal: the year it starts in)."""
        if self.kind == "fiscal_quarter":
            fiscal_year = self.start.year if self.start.month >= 4 else self.start.year - 1
            return fiscal_year, (self.start.month - 4) % 12 // 3 + 1
        return self.start.year, (self.start.month - 1) // 3 + 1

    def label(self) -> str:
        if self.kind == "quarter":
            year, number = self.quarter
            return _("%(year)s Q%(quarter)s", year=year, quarter=number)
        if self.kind == "fiscal_quarter":
            year, number = self.quarter
            return _("FY%(year)s Q%(quarter)s", year=year, quarter=number)
        return _("%(start)s to %(end)s", start=self.start.isoformat(), end=self.end.isoformat())

    def span(self) -> str:
        return _("%(start)s to %(end)s", start=self.start.isoformat(), end=self.end.isoformat())


def quarter_of(day: date, kind: str = "quarter") -> Period:
    """The quarter holding `day` (calendar and fiscal quarters are the same months; they are
    named differently)."""
    start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return Period(kind, start, _add_months(start, 3) - timedelta(days=1))


def quarter_number(year: int, number: int, kind: str = "quarter") -> Period:
    """Quarter `number` (1-4) of `year` (a fiscal year starts in April of `year`)."""
    if not 1 <= number <= 4 or not EARLIEST.year <= year <= LATEST.year - 1:
        raise Invalid("period")
    month = (number - 1) * 3 + (4 if kind == "fiscal_quarter" else 1)
    start = _add_months(date(year, 1, 1), month - 1)
    return Period(kind, start, _add_months(start, 3) - timedelta(days=1))


def last_complete_quarter(today: date, kind: str = "quarter") -> Period:
    return quarter_of(_add_months(quarter_of(today).start, -3), kind)


def custom(start: date | None, end: date | None) -> Period:
    """A span of days. Raises Invalid("period_order") when it ends before it starts,
    Invalid("period_length") past MAX_DAYS, Invalid("period") for a missing or far date."""
    if start is None or end is None:
        raise Invalid("period")
    if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
        raise Invalid("period")
    if end < start:
        raise Invalid("period_order")
    if (end - start).days + 1 > MAX_DAYS:
        raise Invalid("period_length")
    return Period("custom", start, end)


def of_review(review) -> Period:
    return Period(review.period_kind, review.period_start, review.period_end)


def today() -> date:
    """Today in the office's calendar."""
    from relq.db import utcnow

    return utcnow().astimezone(OFFICE_TZ).date()
