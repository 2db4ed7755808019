"""Reads of the calendar announcements."""

from __future__ import annotations

from django.db.models import QuerySet

from phoihop.calendar.models import CalendarAnnouncement


def announcement_list(*, year: int | None = None) -> QuerySet[CalendarAnnouncement]:
    """Return the announcements (of one year when given), by date.

    Announcements are public facts about the calendar, not records of a unit: whoever may open
    the page (system administrators) sees them all.
    """
    announcements = CalendarAnnouncement.objects.order_by("date", "province_code", "pk")
    if year is not None:
        announcements = announcements.filter(date__year=year)
    return announcements
