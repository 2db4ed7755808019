"""Reads of API tokens, limited to their owner."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from phoihop.api.models import ApiToken


def token_list_for_user(*, user: Any) -> QuerySet[ApiToken]:
    """Return the person's own tokens, newest first (revoked and expired ones included)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def token_get_for_user(*, user: Any, token_id: int) -> ApiToken:
    """Return one of the person's own tokens; anyone else's answers 404, like any record outside one's scope."""
    return get_object_or_404(token_list_for_user(user=user), pk=token_id)
