"""Reads of notify: a person's inbox and their unread count."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from phoihop.notify.models import Notification


def inbox(*, user: Any, unread: bool = False, kind: str = "") -> QuerySet[Notification]:
    """Return the user's notifications, newest first, optionally only unread ones or one kind.

    No joins: the list shows the stored title (already in the person's language) and the kind.
    """
    notifications = Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
    if unread:
        notifications = notifications.filter(read_at__isnull=True)
    if kind:
        notifications = notifications.filter(kind=kind)
    return notifications


def unread_count(*, user: Any) -> int:
    """Return how many notifications the user has not read (one COUNT on the inbox index)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
