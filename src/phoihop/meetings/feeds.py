"""The content of a calendar feed: tasks, meetings, duties and report deadlines, as iCalendar.

A feed shows what its owner may see *now*: "my feed" covers the units the owner holds an open
membership of at the time of each poll, a unit feed that one unit while the owner belongs to it;
the other modules' selectors are read with the owner as the user. So a membership that ended
shrinks the feed at the next poll. A unit feed whose owner no longer belongs to the unit is
empty (the address still answers, so calendar programs do not report an error every few
minutes; revoking it makes it 404).

Which items:
- tasks: `tasks.selectors.dated_tasks` of the units (lead or co-operating), all-day on the due
  date;
- meetings: hosted by or inviting the units (and, in "my feed", the owner by name), timed;
- duties: occurrences the units owe (`agreements.selectors.occurrence_list`), all-day on due_on;
- reports: the reports the units still owe (`reporting.selectors.my_reports_due`), all-day on
  the deadline.
The window runs from WINDOW_DAYS_BEFORE days ago to WINDOW_DAYS_AFTER days ahead.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from phoihop.agreements.selectors import occurrence_list
from phoihop.meetings import ical, permissions, selectors
from phoihop.meetings.invitations import base_url, meeting_uid
from phoihop.meetings.models import CalendarFeed, Meeting
from phoihop.orgs.models import Unit
from phoihop.reporting.selectors import my_reports_due
from phoihop.tasks.selectors import dated_tasks

# Three months back keeps last quarter's late items in view; a year ahead covers a yearly plan.
WINDOW_DAYS_BEFORE = 90
WINDOW_DAYS_AFTER = 365


def _uid(kind: str, *parts: Any) -> str:
    key = "-".join(re.sub(r"[^A-Za-z0-9]+", "", str(part)) for part in parts)
    return f"{kind}-{key}@phoihop"


def _feed_units(feed: CalendarFeed) -> list[Unit]:
    """The units whose items the feed shows: the owner's units now, or the one unit while they belong to it."""
    member = list(permissions.member_units(feed.owner))
    if feed.unit_id is None:
        return member
    return [unit for unit in member if unit.pk == feed.unit_id]


def feed_name(feed: CalendarFeed) -> str:
    if feed.unit_id:
        return _("phoihop · %(unit)s") % {"unit": feed.unit.name}
    return _("phoihop · %(person)s") % {"person": feed.owner.get_full_name()}


def _add_tasks(cal: Any, units: list[Unit], start: dt.date, end: dt.date) -> int:
    count = 0
    for task in dated_tasks(units=units, date_from=start, date_to=end):
        cal.add_component(
            ical.all_day_event(
                uid=_uid("task", task.pk),
                summary=_("Task due: %(title)s") % {"title": task.title},
                day=task.due_date,
                description=_("Lead unit: %(unit)s. Status: %(status)s.")
                % {"unit": task.lead_unit.name, "status": task.get_status_display()},
                url=base_url() + task.get_absolute_url(),
                categories=_("Task"),
                stamp=task.updated_at,
            )
        )
        count += 1
    return count


def _add_meetings(cal: Any, feed: CalendarFeed, unit_ids: list[int], start: dt.date, end: dt.date) -> int:
    meetings = selectors.meetings_for_units(
        user=feed.owner, unit_ids=unit_ids, date_from=start, date_to=end, personal=feed.unit_id is None
    )
    count = 0
    for meeting in meetings:
        cal.add_component(
            ical.timed_event(
                uid=meeting_uid(meeting),
                summary=meeting.title,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                sequence=meeting.sequence,
                location=meeting.place,
                description=_("Host: %(unit)s.") % {"unit": meeting.host_unit.name},
                url=base_url() + meeting.get_absolute_url(),
                status="CANCELLED" if meeting.status == Meeting.Status.CANCELLED else "CONFIRMED",
                stamp=meeting.updated_at,
            )
        )
        count += 1
    return count


def _add_duties(cal: Any, feed: CalendarFeed, units: list[Unit], start: dt.date, end: dt.date) -> int:
    seen: set[int] = set()
    for unit in units:
        for occurrence in occurrence_list(user=feed.owner, unit=unit, date_from=start, date_to=end):
            if occurrence.pk in seen or occurrence.state == "waived":
                continue
            seen.add(occurrence.pk)
            obligation = occurrence.obligation
            cal.add_component(
                ical.all_day_event(
                    uid=_uid("duty", occurrence.pk),
                    summary=_("Duty due: %(title)s (%(unit)s)") % {"title": obligation.title, "unit": unit.name},
                    day=occurrence.due_on,
                    description=_("Agreement %(number)s. Status: %(status)s.")
                    % {"number": obligation.agreement.number, "status": occurrence.get_state_display()},
                    url=base_url() + obligation.get_absolute_url(),
                    categories=_("Duty"),
                    stamp=occurrence.updated_at,
                )
            )
    return len(seen)


def _add_reports(cal: Any, feed: CalendarFeed, unit_ids: set[int], start: dt.date, end: dt.date) -> int:
    count = 0
    for due in my_reports_due(user=feed.owner, today=timezone.localdate()):
        if due.unit.pk not in unit_ids or not (start <= due.deadline <= end):
            continue
        cal.add_component(
            ical.all_day_event(
                uid=_uid("report", due.form.code, due.unit.pk, due.period.id),
                summary=_("Report due: %(form)s, %(period)s (%(unit)s)")
                % {"form": due.form.name, "period": due.period.id, "unit": due.unit.name},
                day=due.deadline,
                categories=_("Report"),
            )
        )
        count += 1
    return count


def feed_calendar(feed: CalendarFeed, *, today: dt.date | None = None) -> bytes:
    """Return the feed as iCalendar bytes, in the owner's language."""
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=WINDOW_DAYS_BEFORE)
    end = today + dt.timedelta(days=WINDOW_DAYS_AFTER)
    with translation.override(feed.owner.language or settings.LANGUAGE_CODE):
        cal = ical.calendar(name=feed_name(feed))
        units = _feed_units(feed)
        if units:
            _add_tasks(cal, units, start, end)
            _add_meetings(cal, feed, [unit.pk for unit in units], start, end)
            _add_duties(cal, feed, units, start, end)
            _add_reports(cal, feed, {unit.pk for unit in units}, start, end)
    return ical.to_bytes(cal)
