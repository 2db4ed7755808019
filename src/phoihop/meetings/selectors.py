"""Reads of meetings and calendar feeds, already filtered to what the person may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from phoihop.meetings import permissions
from phoihop.meetings.models import CalendarFeed, Conclusion, Invitation, Meeting, MeetingUnit
from phoihop.orgs.models import Unit

WHEN_CHOICES = ("upcoming", "past")


def _count(model: Any, **filters: Any) -> Coalesce:
    rows = model.objects.filter(meeting=OuterRef("pk"), **filters).order_by().values("meeting")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1]), 0)


def meeting_list(
    *,
    user: Any,
    when: str = "",
    host: Unit | None = None,
    q: str = "",
    now: dt.datetime | None = None,
) -> QuerySet[Meeting]:
    """Return the meetings the person may see: upcoming soonest first, past (and all) latest first.

    "Upcoming" means not ended yet and not cancelled. Each row carries `invited_count`,
    `accepted_count` and `conclusion_count` from subqueries, so a page costs the same few
    queries however many meetings it shows.
    """
    now = now or timezone.now()
    meetings = permissions.meetings_visible(user).select_related("host_unit")
    if when == "upcoming":
        meetings = meetings.filter(ends_at__gte=now).exclude(status=Meeting.Status.CANCELLED)
    elif when == "past":
        meetings = meetings.filter(ends_at__lt=now)
    if host is not None:
        meetings = meetings.filter(host_unit=host)
    if q:
        meetings = meetings.filter(Q(title__icontains=q) | Q(place__icontains=q))
    meetings = meetings.annotate(
        invited_count=_count(Invitation),
        accepted_count=_count(Invitation, response=Invitation.Response.ACCEPTED),
        conclusion_count=_count(Conclusion),
    )
    if when == "upcoming":
        return meetings.order_by("starts_at", "pk")
    return meetings.order_by("-starts_at", "-pk")


def meeting_detail(meeting: Meeting) -> dict[str, Any]:
    """Return what the meeting page shows besides the meeting: invitations, units, files, conclusions."""
    return {
        "invited_units": list(
            MeetingUnit.objects.filter(meeting=meeting).select_related("unit").order_by("unit__path")
        ),
        "invitations": list(
            Invitation.objects.filter(meeting=meeting)
            .select_related("user", "unit")
            .order_by("unit__path", "user__username")
        ),
        "files": list(meeting.files.all()),
        "conclusions": list(Conclusion.objects.filter(meeting=meeting).select_related("lead_unit", "task")),
    }


def invitation_of(meeting: Meeting, user: Any) -> Invitation | None:
    return Invitation.objects.filter(meeting=meeting, user=user).first()


def feeds_of(user: Any) -> QuerySet[CalendarFeed]:
    """Return the person's own feeds, active first, newest first."""
    return (
        CalendarFeed.objects.filter(owner=user)
        .select_related("unit")
        .order_by(F("revoked_at").asc(nulls_first=True), "-created_at", "-pk")
    )


def meetings_for_units(
    *, user: Any, unit_ids: list[int], date_from: dt.date, date_to: dt.date, personal: bool = False
) -> QuerySet[Meeting]:
    """Return the meetings the person may see in a window that the units host or are invited to.

    With `personal`, also the meetings the person is invited to by name (their own feed).
    """
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=timezone.get_current_timezone())
    end = dt.datetime.combine(date_to, dt.time.max, tzinfo=timezone.get_current_timezone())
    concerned = Q(host_unit_id__in=unit_ids) | Q(
        pk__in=MeetingUnit.objects.filter(unit_id__in=unit_ids).values("meeting_id")
    )
    if personal:
        concerned |= Q(pk__in=Invitation.objects.filter(user=user).values("meeting_id"))
    return (
        permissions.meetings_visible(user)
        .filter(concerned, starts_at__lte=end, ends_at__gte=start)
        .select_related("host_unit")
        .order_by("starts_at", "pk")
    )
