"""Access to notifications: a person reaches only their own.

A notification is personal, not a unit's record, so the rule is not a unit scope (orgs.access)
but ownership: anyone else's — a system administrator's included — answers 404, so ids of
other people's notifications do not leak.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from phoihop.notify.models import Notification


def access_notification(user: Any, pk: Any) -> Notification:
    """Return the user's own notification `pk`, or raise Http404."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    notification = Notification.objects.filter(pk=pk, recipient=user).first()
    if notification is None:
        raise Http404
    return notification
