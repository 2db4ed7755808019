"""`{% unread_notifications as n %}`: the header's unread count, one query per request at most."""

from __future__ import annotations

from typing import Any

from django import template

from phoihop.notify.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return 0
    # Cached on the request: the header and the inbox page may both ask.
    if not hasattr(request, "_phoihop_unread"):
        request._phoihop_unread = unread_count(user=user)  # type: ignore[attr-defined]  # per-request cache
    return request._phoihop_unread  # type: ignore[attr-defined]  # per-request cache
