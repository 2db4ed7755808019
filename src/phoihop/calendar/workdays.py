"""Working days and deadlines: the one module all deadline arithmetic in phoihop goes through.

A day is a working day when the `holidays` package (country VN) says so — Monday to Friday
minus the statutory holidays (Tết Dương lịch, five days of lunar Tết, Hùng Kings day, 30/4,
1/5, 2/9 and its adjacent day, Vietnam Culture Day 24/11 from 2026), minus the swapped and
observed days off, plus the Saturdays announced as make-up working days — and then as the
administrators' announcements (CalendarAnnouncement) say: an announced day off or make-up
working day overrides the package for that date; a province's announcement overrides a
nationwide one.

Counting follows the Civil Code 2015 (Bộ luật Dân sự):

- a period in days starts on the day after the event (Điều 147), so "5 days from 13/02" ends
  on 18/02;
- when the last day is a weekend day or a holiday, the period ends at the end of the next
  working day (Điều 148.5);
- a period in working days counts working days only, again from the day after the event.

Cache: the package's holidays are computed once per year and process. Announcements are read
from the database once and re-read when their fingerprint (count, newest id, last update)
changes; the fingerprint is checked at the first use in each web request, after every
announcement service call, and otherwise at most every RECHECK_SECONDS (background jobs), so
10,000 deadlines cost one small query, not 10,000.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

import holidays
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# The years the lunar calendar of the `holidays` package covers reliably for Vietnam.
FIRST_YEAR = 1990
LAST_YEAR = 2100

# How stale announcements may be in a process that serves no requests (workers, commands).
RECHECK_SECONDS = 10.0

# No real calendar has this many days off in a row; reaching it means bad announcements.
_MAX_DAYS_OFF_IN_A_ROW = 60

DAY_OFF = "day_off"
WORKING_DAY = "working_day"


@dataclass(frozen=True)
class CalendarDay:
    """A named day of the calendar: a day off or a make-up working day."""

    date: dt.date
    name: str
    # The announcing document for an administrator's announcement; "" for the package's days.
    basis: str = ""
    announced: bool = False


# --- Announcements, cached per process --------------------------------------------------------

# {province_code ("" = nationwide): {date: (kind, name, basis)}}
_Announced = dict[str, dict[dt.date, tuple[str, str, str]]]


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at = -math.inf
        self.fingerprint: tuple[Any, ...] | None = None
        self.announced: _Announced = {}
        self.generation = 0


_state = _State()


def forget(**_kwargs: Any) -> None:
    """Make the next calendar call re-check the announcements in the database.

    Called by the announcement services and at the start of each web request (a
    `request_started` receiver), so every process sees a new announcement on its next request;
    tests that enter announcements without the services call it too.
    """
    _state.checked_at = -math.inf


def _announcements_generation() -> int:
    """Return the generation of the cached announcements, re-reading them when they changed."""
    if time.monotonic() - _state.checked_at < RECHECK_SECONDS:
        return _state.generation
    from django.db.models import Count, Max

    from phoihop.calendar.models import CalendarAnnouncement

    with _state.lock:
        rows = CalendarAnnouncement.objects.all()
        fingerprint = tuple(rows.aggregate(n=Count("pk"), top=Max("pk"), last=Max("updated_at")).values())
        if fingerprint != _state.fingerprint:
            announced: _Announced = {}
            for day, kind, name, basis, province in rows.values_list("date", "kind", "name", "basis", "province_code"):
                announced.setdefault(province, {})[day] = (kind, name, basis)
            _state.announced = announced
            _state.fingerprint = fingerprint
            _state.generation += 1
            _nonworking_days.cache_clear()
        _state.checked_at = time.monotonic()
        return _state.generation


def _scopes(province_code: str) -> tuple[str, ...]:
    # Nationwide first, so a province's own announcement for the same date wins.
    return ("", province_code) if province_code else ("",)


# --- The package's calendar, cached per year ------------------------------------------------------


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            _("The calendar covers the years %(first)s to %(last)s, not %(year)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR, "year": year}
        )


@functools.lru_cache(maxsize=512)
def _package(year: int, language: str) -> holidays.HolidayBase:
    # `observed=True` (the default) gives the days off in place of holidays on a weekend;
    # expand=False keeps the cached object read-only (a lookup in another year would add it).
    return holidays.country_holidays("VN", years=year, language=language, expand=False)


def _package_language() -> str:
    # The package speaks "vi", "en_US" and "th"; holiday names follow the active language.
    return "en_US" if (get_language() or "vi").startswith("en") else "vi"


@functools.lru_cache(maxsize=512)
def _nonworking_days(year: int, province_code: str, generation: int) -> frozenset[dt.date]:
    """Return every day of `year` that is not a working day (weekends included).

    `generation` is part of the cache key so a change of announcements gives new entries;
    _announcements_generation() clears the old ones.
    """
    _check_year(year)
    package = _package(year, "vi")
    first = dt.date(year, 1, 1)
    days = (first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days))
    # The package's own rule (weekends off unless a make-up day, holidays off) — not re-coded here.
    off = {day for day in days if not package.is_working_day(day)}
    for scope in _scopes(province_code):
        for day, (kind, _name, _basis) in _state.announced.get(scope, {}).items():
            if day.year != year:
                continue
            if kind == DAY_OFF:
                off.add(day)
            else:
                off.discard(day)
    return frozenset(off)


class _Calendar:
    """One consistent view of the calendar for one public call (announcements read once)."""

    def __init__(self, province_code: str) -> None:
        self.province_code = province_code or ""
        self.generation = _announcements_generation()
        self._years: dict[int, frozenset[dt.date]] = {}

    def working(self, day: dt.date) -> bool:
        off = self._years.get(day.year)
        if off is None:
            off = self._years[day.year] = _nonworking_days(day.year, self.province_code, self.generation)
        return day not in off

    def step_to_working(self, day: dt.date, direction: int) -> dt.date:
        """Return `day` itself when it is a working day, else the nearest one in `direction`."""
        for _step in range(_MAX_DAYS_OFF_IN_A_ROW):
            if self.working(day):
                return day
            day += dt.timedelta(days=direction)
        raise ValueError(
            _("More than %(count)s days off in a row around %(date)s: check the calendar announcements.")
            % {"count": _MAX_DAYS_OFF_IN_A_ROW, "date": day.isoformat()}
        )

    def count_working(self, day: dt.date, n: int) -> dt.date:
        """Return the n-th working day after `day` (before it when n is negative)."""
        direction = 1 if n >= 0 else -1
        for _step in range(abs(n)):
            day = self.step_to_working(day + dt.timedelta(days=direction), direction)
        return day


def _as_date(value: dt.date) -> dt.date:
    # A datetime is a date subclass: compare and hash as plain dates.
    return value.date() if isinstance(value, dt.datetime) else value


# --- Public functions -------------------------------------------------------------------------


def is_working_day(day: dt.date, *, province_code: str = "") -> bool:
    """Return whether `day` is a working day (for a province's announcements when given)."""
    return _Calendar(province_code).working(_as_date(day))


def next_working_day(day: dt.date, *, province_code: str = "") -> dt.date:
    """Return the first working day after `day`."""
    return _Calendar(province_code).count_working(_as_date(day), 1)


def previous_working_day(day: dt.date, *, province_code: str = "") -> dt.date:
    """Return the last working day before `day`."""
    return _Calendar(province_code).count_working(_as_date(day), -1)


def add_days(start: dt.date, n: int, working: bool = False, *, province_code: str = "") -> dt.date:
    """Return the deadline n days (or n working days) after the event on `start`.

    Calendar days (Civil Code 2015): the period starts the day after the event (Điều 147), so
    the last day is start + n; when that is a day off, the deadline is the next working day
    (Điều 148.5). Working days: the n-th working day after `start`. n = 0 gives `start`
    itself, or the next working day when `start` is a day off.

    Negative n counts backwards, for deadlines "n days before an event" (a council session): the
    last day is start − n calendar days, or the n-th working day before `start`. Decision: a
    before-event deadline that falls on a day off moves EARLIER, to the previous working day.
    The Civil Code only speaks of periods running forward; moving such a deadline later would
    shorten the time the rule guarantees before the event (the papers must be in the
    delegates' hands n days before the session), so the safe side is the earlier day.
    """
    start = _as_date(start)
    calendar = _Calendar(province_code)
    if working:
        if n == 0:
            return calendar.step_to_working(start, 1)
        return calendar.count_working(start, n)
    return calendar.step_to_working(start + dt.timedelta(days=n), -1 if n < 0 else 1)


def working_days_between(a: dt.date, b: dt.date, *, province_code: str = "") -> int:
    """Return the number of working days from `a` to `b`, counting `b` and not `a`.

    Negative when `b` is before `a`. Counting this way makes the two functions agree: for a
    working day b, add_days(a, working_days_between(a, b), working=True) == b — "answered on
    the 3rd working day after receipt" reads back as 3.
    """
    a, b = _as_date(a), _as_date(b)
    if a == b:
        return 0
    calendar = _Calendar(province_code)
    sign = 1 if b > a else -1
    # Forward: the days after a up to and including b; backward: b up to the day before a.
    first, last = (a + dt.timedelta(days=1), b) if sign > 0 else (b, a - dt.timedelta(days=1))
    count = sum(calendar.working(first + dt.timedelta(days=i)) for i in range((last - first).days + 1))
    return sign * count


def days_off(year: int, *, province_code: str = "") -> list[CalendarDay]:
    """Return the named days off of `year`: the package's holidays and the announced days off.

    Weekends are not listed (they are off unless announced otherwise); a holiday falling on a
    weekend is, as the package names it. A package holiday that an announcement turns into a
    working day is left out.
    """
    _check_year(year)
    package = _package(year, _package_language())
    return _with_announced(year, province_code, DAY_OFF, [CalendarDay(day, name) for day, name in package.items()])


def makeup_days(year: int, *, province_code: str = "") -> list[CalendarDay]:
    """Return the make-up working days of `year`: the package's swapped Saturdays and the announced working days."""
    _check_year(year)
    package = _package(year, _package_language())
    swaps = _package_swaps()
    return _with_announced(
        year,
        province_code,
        WORKING_DAY,
        [CalendarDay(day, _makeup_name(swaps.get(day))) for day in package.weekend_workdays],
    )


def _with_announced(year: int, province_code: str, kind: str, from_package: list[CalendarDay]) -> list[CalendarDay]:
    """Return the package's days of `year` not overridden by an announcement, plus the announced days of `kind`."""
    _announcements_generation()
    announced = _announced_in(year, province_code)
    result = [day for day in from_package if day.date.year == year and day.date not in announced]
    result += [
        CalendarDay(day, name, basis, announced=True)
        for day, (announced_kind, name, basis) in announced.items()
        if announced_kind == kind
    ]
    return sorted(result, key=lambda d: d.date)


def _announced_in(year: int, province_code: str) -> dict[dt.date, tuple[str, str, str]]:
    merged: dict[dt.date, tuple[str, str, str]] = {}
    for scope in _scopes(province_code):
        merged.update({day: value for day, value in _state.announced.get(scope, {}).items() if day.year == year})
    return merged


def _makeup_name(day_off: dt.date | None) -> str:
    if day_off is None:
        # Translators: a Saturday worked in exchange for a day off elsewhere ("Ngày làm bù").
        return _("Make-up working day")
    # Translators: a Saturday worked in exchange for a day off, e.g. "Ngày làm bù cho ngày nghỉ 02/05/2025".
    return _("Make-up working day for the day off on %(date)s") % {"date": day_off.strftime("%d/%m/%Y")}


@functools.lru_cache(maxsize=1)
def _package_swaps() -> dict[dt.date, dt.date]:
    """Map each make-up working day the package knows to the day off it pays for.

    The package's public API says which Saturdays are worked (`weekend_workdays`) but not for
    which day off; its data table does. That table is not public API, so a release that
    reshapes it makes the names plainer ("Make-up working day"), never the calendar wrong.
    """
    from holidays.countries import vietnam

    table = getattr(getattr(vietnam, "VietnamStaticHolidays", None), "special_public_holidays", {})
    swaps: dict[dt.date, dt.date] = {}
    try:
        for year, entries in table.items():
            for entry in (entries,) if isinstance(entries[0], int) else entries:
                if len(entry) >= 4:
                    month, day, from_month, from_day = entry[:4]
                    from_year = entry[4] if len(entry) > 4 else year
                    swaps[dt.date(from_year, from_month, from_day)] = dt.date(year, month, day)
    except (TypeError, ValueError, IndexError, AttributeError):
        return {}
    return swaps
