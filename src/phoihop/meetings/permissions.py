"""Who may see and change meetings and calendar feeds — on top of orgs.access.

Visibility: a meeting is visible to a person whose scope reaches its host unit or one of the
invited units, and to each person invited by name. Outside that: 404, so ids of other units'
meetings do not leak. Changes (edit, cancel, minutes, conclusions, invitations, files, making a
task of a conclusion): officer or above on the host unit; otherwise 403. An invited person
answers their own invitation only.

Calendar feeds belong to one person: nobody else (not even a system admin) sees or revokes
them through these helpers; a unit feed needs a current membership of that unit.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from phoihop.meetings.models import CalendarFeed, Invitation, Meeting, MeetingUnit
from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit

MeetingAction = Literal["view", "edit"]


def _active(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def meetings_visible(user: Any) -> QuerySet[Meeting]:
    """Return the meetings the person may see (the scope of every list of meetings)."""
    if not _active(user):
        return Meeting.objects.none()
    host = access.scope_q(user, via="host_unit")
    if host is None:
        return Meeting.objects.all()
    # Subqueries rather than joins: no duplicate rows, so no DISTINCT on the list.
    invited_units = access.scope_queryset(MeetingUnit.objects.all(), user, via="unit").values("meeting_id")
    invited_people = Invitation.objects.filter(user=user).values("meeting_id")
    return Meeting.objects.filter(host | Q(pk__in=invited_units) | Q(pk__in=invited_people))


def can_change_meeting(user: Any, meeting: Meeting) -> bool:
    """Officer or above on the host unit: the host keeps the meeting's record."""
    return access.can(user, meeting.host_unit, Role.OFFICER)


def access_meeting(user: Any, pk: Any, *, action: MeetingAction = "view") -> Meeting:
    """Fetch a meeting the person may see (404 otherwise); "edit" needs the host's officer (403)."""
    if action not in ("view", "edit"):
        raise ValueError(f"unknown action {action!r}")
    try:
        meeting = meetings_visible(user).select_related("host_unit", "plan", "agreement", "created_by").get(pk=pk)
    except (Meeting.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if action == "edit" and not can_change_meeting(user, meeting):
        raise PermissionDenied
    return meeting


def host_units(user: Any) -> QuerySet[Unit]:
    """Return the open bodies the person may host a meeting for (officer+ there or above it)."""
    if not _active(user):
        return Unit.objects.none()
    bodies = access.units_visible(user, min_role=Role.OFFICER).filter(valid_to__isnull=True)
    return bodies.exclude(kind__in=Unit.TERRITORY_KINDS).order_by("path")


def member_units(user: Any) -> QuerySet[Unit]:
    """Return the units the person holds an open membership of (what a unit feed may be about)."""
    if not _active(user):
        return Unit.objects.none()
    return Unit.objects.filter(pk__in=[r.unit_id for r in access.reaches(user)]).order_by("path")


def access_feed(user: Any, pk: Any) -> CalendarFeed:
    """Fetch one of the person's own feeds; anyone else's answers 404."""
    if not _active(user):
        raise Http404
    try:
        return CalendarFeed.objects.select_related("unit").get(pk=pk, owner=user)
    except (CalendarFeed.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
