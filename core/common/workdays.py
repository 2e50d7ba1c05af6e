"""Working days in Asia/Shanghai: Monday to Friday, minus public holidays, plus make-up working
days (CalendarDay). Used for every deadline counted in working days (双公示: 7 working days)."""

from __future__ import annotations

from datetime import date, timedelta

from core.common.models import CalendarDay, DayKind


class WorkdayCalendar:
    """The calendar between two dates, read once; cheap to query many times (e.g. per upload row)."""

    def __init__(self, start: date, end: date) -> None:
        self.start, self.end = start, end
        self._exceptions: dict[date, str] = dict(
            CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "kind")
        )
        self._added: dict[tuple[date, int], date] = {}

    @classmethod
    def around(cls, day: date, *, days_before: int = 400, days_after: int = 400) -> WorkdayCalendar:
        return cls(day - timedelta(days=days_before), day + timedelta(days=days_after))

    def _covers(self, day: date) -> None:
        if not self.start <= day <= self.end:
            raise ValueError(f"{day} is outside the loaded calendar {self.start}–{self.end}")

    def is_working_day(self, day: date) -> bool:
        self._covers(day)
        kind = self._exceptions.get(day)
        if kind == DayKind.HOLIDAY:
            return False
        if kind == DayKind.WORKDAY:
            return True
        return day.weekday() < 5

    def add_working_days(self, start: date, count: int) -> date:
        """The `count`-th working day after `start` (start itself not counted)."""
        known = self._added.get((start, count))
        if known is not None:
            return known
        day = start
        remaining = count
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        self._added[(start, count)] = day
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        days = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                days += 1
        return days


def add_working_days(start: date, count: int) -> date:
    """Convenience for one-off deadlines; loops over a single calendar read."""
    return WorkdayCalendar(start, start + timedelta(days=count * 3 + 40)).add_working_days(
        start, count
    )
