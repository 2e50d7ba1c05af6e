from __future__ import annotations

from datetime import date

import pytest

from core.common.models import CalendarDay, DayKind
from core.common.workdays import WorkdayCalendar, add_working_days


@pytest.mark.django_db
def test_the_official_calendar_is_seeded() -> None:
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).name == "国庆节"
    assert (
        CalendarDay.objects.get(date=date(2026, 9, 20)).kind == DayKind.WORKDAY
    )  # a Sunday worked
    assert CalendarDay.objects.get(date=date(2026, 9, 20)).name == "国庆节调休"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("decided", "deadline"),
    [
        (date(2026, 11, 2), date(2026, 11, 11)),  # Monday: seven weekdays later
        (date(2026, 11, 27), date(2026, 12, 8)),  # Friday: across one weekend (and the next)
        (date(2026, 9, 28), date(2026, 10, 13)),  # National Day: 1–7 Oct off, Sat 10 Oct worked
        (
            date(2026, 2, 12),
            date(2026, 2, 28),
        ),  # Spring Festival 15–23 Feb off; 14 and 28 Feb worked
    ],
)
def test_seven_working_days_after_a_decision(decided: date, deadline: date) -> None:
    assert add_working_days(decided, 7) == deadline


@pytest.mark.django_db
def test_a_district_configured_holiday_moves_the_deadline() -> None:
    CalendarDay.objects.create(date=date(2026, 11, 4), kind=DayKind.HOLIDAY, name="测试休息日")

    assert add_working_days(date(2026, 11, 2), 7) == date(2026, 11, 12)


@pytest.mark.django_db
def test_counting_working_days_between_dates() -> None:
    calendar = WorkdayCalendar(date(2026, 9, 1), date(2026, 10, 31))

    assert calendar.working_days_between(date(2026, 9, 28), date(2026, 10, 13)) == 7
    assert calendar.working_days_between(date(2026, 10, 13), date(2026, 9, 28)) == 0
    assert calendar.is_working_day(date(2026, 10, 10)) is True
    assert calendar.is_working_day(date(2026, 10, 5)) is False
    with pytest.raises(ValueError, match="outside the loaded calendar"):
        calendar.is_working_day(date(2027, 1, 4))
