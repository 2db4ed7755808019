"""iCalendar (RFC 5545) written by the `icalendar` library: meeting invitations and feeds.

Times go out in UTC ("20251215T010000Z"): every calendar program reads them, and no VTIMEZONE
block is needed (icalendar's generated one for Asia/Ho_Chi_Minh stops at 2038). Dates without
a time (a task's due date, a duty's deadline) are all-day events: DTSTART;VALUE=DATE and
DTEND the next day, as RFC 5545 §3.6.1 asks for a one-day event.

The library folds long lines at 75 octets and ends lines with CRLF; the tests check both,
because that is what calendar programs trip over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import icalendar
from django.conf import settings
from django.utils import timezone

PRODID = "-//phoihop//Coordination calendar//VI"


def calendar(*, method: str = "", name: str = "") -> icalendar.Calendar:
    """Return an empty VCALENDAR; `method` is REQUEST or CANCEL for invitations, none for feeds."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def mailto(email: str) -> str:
    return f"mailto:{email}"


def address(email: str, name: str = "", **params: str) -> icalendar.vCalAddress:
    """An ORGANIZER or ATTENDEE value: mailto address with its common name and parameters."""
    value = icalendar.vCalAddress(mailto(email))
    if name:
        value.params["cn"] = icalendar.vText(name)
    for key, param in params.items():
        value.params[key.replace("_", "-")] = param
    return value


def timed_event(
    *,
    uid: str,
    summary: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    sequence: int = 0,
    location: str = "",
    description: str = "",
    url: str = "",
    status: str = "CONFIRMED",
    organizer: icalendar.vCalAddress | None = None,
    attendees: Iterable[icalendar.vCalAddress] = (),
    stamp: dt.datetime | None = None,
) -> icalendar.Event:
    """Return a VEVENT with a start and end time (a meeting)."""
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", _utc(stamp or timezone.now()))
    event.add("dtstart", _utc(starts_at))
    event.add("dtend", _utc(ends_at))
    event.add("sequence", sequence)
    event.add("summary", summary)
    event.add("status", status)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    if organizer is not None:
        event.add("organizer", organizer)
    for attendee in attendees:
        event.add("attendee", attendee)
    return event


def all_day_event(
    *,
    uid: str,
    summary: str,
    day: dt.date,
    description: str = "",
    url: str = "",
    categories: str = "",
    stamp: dt.datetime | None = None,
) -> icalendar.Event:
    """Return a one-day VEVENT (a deadline): DTEND is the day after, per RFC 5545."""
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", _utc(stamp or timezone.now()))
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", summary)
    # A deadline is not time taken: calendars should not show the person as busy all day.
    event.add("transp", "TRANSPARENT")
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    if categories:
        event.add("categories", [categories])
    return event


def to_bytes(cal: icalendar.Calendar) -> bytes:
    return cal.to_ical()


def parse(data: bytes | str) -> Any:
    """Parse iCalendar text (used by the tests and by anyone who wants to read a feed back)."""
    return icalendar.Calendar.from_ical(data)
