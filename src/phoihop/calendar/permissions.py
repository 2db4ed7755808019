"""Who may manage the calendar announcements: system administrators only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from phoihop.calendar.models import CalendarAnnouncement
from phoihop.orgs import access


def require_calendar_admin(user: Any) -> None:
    """Refuse (403) anyone but a system administrator.

    The calendar is the same for every unit of the installation, so changing it is a system
    administrator's act; announcements are public facts, so refusing with 403 leaks nothing.
    """
    if not access.is_system_admin(user):
        raise PermissionDenied


def access_announcement(user: Any, pk: Any) -> CalendarAnnouncement:
    """Fetch an announcement for a system administrator: 403 for others, 404 when it does not exist."""
    require_calendar_admin(user)
    return get_object_or_404(CalendarAnnouncement, pk=pk)
