"""The ISO week a digest covers, counted in the office's time (Asia/Tokyo): Monday 00:00 JST to
the next Monday 00:00 JST."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from relq.cases.models import OFFICE_TZ

_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    def __post_init__(self) -> None:
        # date.fromisocalendar refuses week 53 of a 52-week year and anything out of range.
        try:
            date.fromisocalendar(self.year, self.week, 1)
        except ValueError:
            raise ValueError(f"no ISO week {self.year}-W{self.week:02d}") from None

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """ "2026-W48" -> IsoWeek(2026, 48); ValueError for anything else."""
        match = _PATTERN.match((text or "").strip())
        if match is None:
            raise ValueError(f"not an ISO week (YYYY-Www): {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @classmethod
    def last_complete(cls, now: datetime) -> IsoWeek:
        """The last week that has ended by `now` in Tokyo (on a Monday: the week before)."""
        return cls.of(now.astimezone(OFFICE_TZ).date()).previous()

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def days(self) -> list[date]:
        return [self.monday + timedelta(days=i) for i in range(7)]

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: Monday 00:00 Tokyo to the next Monday 00:00 Tokyo."""
        start = datetime.combine(self.monday, datetime.min.time(), tzinfo=OFFICE_TZ)
        end = start + timedelta(days=7)  # Tokyo has no daylight saving time
        return start.astimezone(UTC), end.astimezone(UTC)

    def previous(self, n: int = 1) -> IsoWeek:
        return IsoWeek.of(self.monday - timedelta(weeks=n))

    def next(self, n: int = 1) -> IsoWeek:
        return IsoWeek.of(self.monday + timedelta(weeks=n))

    def year_before(self) -> IsoWeek | None:
        """The same ISO week a year before (W53 has none when that year had 52 weeks)."""
        try:
            return IsoWeek(self.year - 1, self.week)
        except ValueError:
            return None

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"
