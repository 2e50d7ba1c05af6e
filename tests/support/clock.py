"""The tests' clock. A test that depends on the day moves the whole process's clock with
time-machine (`datetime.now`, `date.today`, `time.time`, all at C level), never one function of
Django's: sessions, signed tokens, deadlines and `auto_now` columns then agree on what day it is,
in every thread of the process (the live server of browser tests included).

Two ways to use it:

- the `clock` fixture, to pin a test to a day or move it on (`clock.move_to(date(2026, 11, 27))`,
  `clock.shift(timedelta(days=40))`). Log in after moving, or move with the `clock` fixture listed
  before the client fixtures: a session belongs to the day it was created on;
- `@on_calendar_days` on a test that takes `today`: the test runs once for each day in
  CALENDAR_DAYS (month starts and ends, leap day, year end, the eve of a seven-day holiday, at
  half past midnight and half past eleven at night Beijing time, where the UTC date differs), with
  the clock on that day before any other fixture is set up. Such a test computes every date from
  `today`, so it proves the behaviour on each of those days rather than on one.

The whole run starts at a fixed moment, SUITE_START (10:00 on 27 November 2026, Beijing time),
whatever the machine's clock says, and the clock runs on from there: the fixtures' literal dates
(a penalty decided on 2026-11-20, in force for a year) hold on any day CI runs, in 2030 too. Every
Python process the tests start (gunicorn, Celery workers) is moved by the same offset, through
tests/support/clockshim/sitecustomize.py. PostgreSQL, Redis, S3 and the browser keep the real
time: the product takes every date and time from Python, never from the database; S3 requests
are signed with the real time (the server checks it). `TEST_TODAY=2026-12-31T23:30` starts the run
at another moment instead (a date, or a Beijing-time datetime), for looking at behaviour on a
given day; tests written for SUITE_START's day may not hold there, the calendar-day tests do.

The time-of-day matters: 23:30 in Beijing is 15:30 UTC the same day, 00:30 in Beijing is 16:30
UTC the day before, so code that takes a date from a UTC timestamp shows up on one of them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.support.clockshim.sitecustomize import sign_s3_requests_with_the_real_time

BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class CalendarDay:
    """A day (and a time of day, Beijing time) that time-sensitive tests are run on."""

    day: date
    at: time
    why: str

    @property
    def moment(self) -> datetime:
        return datetime.combine(self.day, self.at, tzinfo=BEIJING)

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}T{self.at:%H%M}"


MIDNIGHT = time(0, 30)  # 16:30 UTC the day before
LATE = time(23, 30)  # 15:30 UTC the same day
MORNING = time(9, 30)

CALENDAR_DAYS = [
    CalendarDay(date(2026, 12, 1), MIDNIGHT, "the 1st: last month's period just ended"),
    CalendarDay(date(2026, 12, 6), MORNING, "the 6th: a Sunday, after the billing grace period"),
    CalendarDay(date(2026, 9, 30), LATE, "the eve of the National Day holiday (Oct 1-7)"),
    CalendarDay(date(2026, 12, 31), LATE, "31 December, the eve of New Year's Day"),
    CalendarDay(date(2027, 1, 1), MIDNIGHT, "New Year's Day, a public holiday"),
    CalendarDay(date(2027, 2, 28), LATE, "the 28th, the last day of a common February"),
    CalendarDay(date(2028, 2, 29), MORNING, "the 29th, a leap day"),
    CalendarDay(date(2027, 3, 31), MIDNIGHT, "the 31st, before a 30-day month"),
]

on_calendar_days = pytest.mark.parametrize("today", CALENDAR_DAYS, indirect=True, ids=str)


class Clock:
    """Moves the process's clock; time keeps running from where it was put (tick=True), so
    timestamps taken one after another still differ."""

    def __init__(self) -> None:
        self._travel: time_machine.travel | None = None
        self._traveller: time_machine.Traveller | None = None

    def move_to(self, moment: date | datetime) -> datetime:
        """Put the clock at `moment`; a date means 10:00 Beijing time that day."""
        if not isinstance(moment, datetime):
            moment = datetime.combine(moment, time(10), tzinfo=BEIJING)
        if moment.tzinfo is None:
            raise ValueError("the clock takes aware datetimes (Beijing or UTC), not naive ones")
        if self._traveller is None:
            self._travel = time_machine.travel(moment, tick=True)
            self._traveller = self._travel.start()
        else:
            self._traveller.move_to(moment, tick=True)
        return moment

    def default_to(self, moment: date | datetime) -> None:
        """Put the clock at `moment` unless the test has already chosen its day (a fixture's
        pinned day gives way to @on_calendar_days)."""
        if self._traveller is None:
            self.move_to(moment)

    def shift(self, delta: timedelta) -> None:
        if self._traveller is None:
            raise RuntimeError("move the clock to a day before shifting it")
        self._traveller.shift(delta)

    def stop(self) -> None:
        if self._travel is not None:
            self._travel.stop()
        self._travel = self._traveller = None


@pytest.fixture
def clock(django_db_setup: None) -> Iterator[Clock]:
    # The test database and its districts are created at the real time, whichever test is first.
    moved = Clock()
    yield moved
    moved.stop()


@pytest.fixture
def today(request: pytest.FixtureRequest, clock: Clock) -> date:
    """The day a test runs on: each of CALENDAR_DAYS under @on_calendar_days, else the run's."""
    day: CalendarDay | None = getattr(request, "param", None)
    if day is None:
        return datetime.now(BEIJING).date()
    clock.move_to(day.moment)
    return day.day


SUITE_START = datetime(2026, 11, 27, 10, 0, tzinfo=BEIJING)
SHIM = Path(__file__).resolve().parent / "clockshim"
_SESSION_TRAVEL = pytest.StashKey[time_machine.travel]()


def pytest_configure(config: pytest.Config) -> None:
    """Start the whole run (this process and the Python processes it starts) at SUITE_START, or
    at TEST_TODAY."""
    sign_s3_requests_with_the_real_time()
    wanted = os.environ.get("TEST_TODAY")
    moment = SUITE_START
    if wanted:
        moment = datetime.fromisoformat(wanted)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BEIJING)
        if len(wanted) == len("2026-12-31"):
            moment = moment.replace(hour=10)
    offset = moment.timestamp() - datetime.now(BEIJING).timestamp()
    os.environ["TEST_CLOCK_OFFSET"] = f"{offset:.3f}"
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(SHIM), os.environ.get("PYTHONPATH", "")])
    )
    config.stash[_SESSION_TRAVEL] = travel = time_machine.travel(moment, tick=True)
    travel.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    travel = config.stash.get(_SESSION_TRAVEL, None)
    if travel is not None:
        travel.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Set the clock up before every other fixture of a test (clients log in, fixtures create
    rows): what they do then happens on the test's day. The same move time-machine's own plugin
    makes for its marker."""
    for item in items:
        names: list[str] | None = getattr(item, "fixturenames", None)
        if names is None:
            continue
        for name in ("clock", "today"):
            if name in names:
                names.remove(name)
                names.insert(0, name)
