"""The seam through which core reaches the access rules without importing upward.

The rules themselves live in exactly one place, phoihop.orgs.access; orgs installs its filter
here when the app registry is ready. Core pages (search, audit) call `scoped()`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

ScopeFilter = Callable[..., QuerySet]
_filter: ScopeFilter | None = None


def install(scope_filter: ScopeFilter) -> None:
    global _filter
    _filter = scope_filter


def scoped(queryset: QuerySet, user: Any, **options: Any) -> QuerySet:
    if _filter is None:  # pragma: no cover - orgs is always installed
        raise RuntimeError("phoihop.orgs has not installed the access filter")
    return _filter(queryset, user, **options)
