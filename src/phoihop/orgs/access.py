"""Who may see and change what — the one place in the code that answers it.

A membership (unit, role) reaches the unit's whole subtree. System administrators reach
everything. Every view, API endpoint, export and CLI command that shows or changes a record
goes through `scope_queryset()` (lists) or `get_scoped_or_404()` (one record):

- a record outside the person's scope answers 404, so ids of other units do not leak;
- a record inside it, with a role too low for the action, answers 403 (PermissionDenied).

Records reach their unit through a lookup path (`via`): "" for a Unit itself, "unit" for a
record with a `unit` foreign key, ("lead_unit", "parties__unit") for a record that belongs to
several units. A record is visible when any of those units is inside the scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from phoihop.orgs.models import Membership, Role, Unit

# Roles in increasing power; a higher role can do everything a lower one can.
ROLE_RANK = {Role.VIEWER: 1, Role.OFFICER: 2, Role.LEADER: 3, Role.UNIT_ADMIN: 4, Role.SYSTEM_ADMIN: 5}

Via = str | Sequence[str]


@dataclass(frozen=True)
class Reach:
    """One membership as the access rules need it: a subtree path and a role rank."""

    path: str
    rank: int
    unit_id: int


def reaches(user: Any) -> list[Reach]:
    """Return the person's open memberships, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_phoihop_reaches", None)
    if cached is None:
        rows = Membership.objects.filter(user=user, ended_on__isnull=True).values_list("unit__path", "role", "unit_id")
        cached = [Reach(path, ROLE_RANK[Role(role)], unit_id) for path, role, unit_id in rows]
        user._phoihop_reaches = cached
    return cached


def forget(user: Any) -> None:
    """Drop the cached memberships (after they change within one request)."""
    if hasattr(user, "_phoihop_reaches"):
        del user._phoihop_reaches


def is_system_admin(user: Any) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or any(r.rank >= ROLE_RANK[Role.SYSTEM_ADMIN] for r in reaches(user))


def _paths(via: Via) -> list[str]:
    if isinstance(via, str):
        return [via]
    return list(via)


def _prefix(via: str) -> str:
    return f"{via}__path" if via else "path"


def scope_q(user: Any, *, via: Via = "unit", min_role: Role = Role.VIEWER) -> Q | None:
    """Return the filter for records the person reaches with at least `min_role`.

    None means "everything" (system administrators). An empty scope is a Q that matches nothing.
    """
    if is_system_admin(user):
        return None
    needed = ROLE_RANK[min_role]
    paths = _collapse(r.path for r in reaches(user) if r.rank >= needed)
    condition = Q(pk__in=[])
    for lookup in _paths(via):
        for path in paths:
            condition |= Q(**{f"{_prefix(lookup)}__startswith": path})
    return condition


def _collapse(paths: Iterable[str]) -> list[str]:
    """Drop paths inside another path of the list: the outer one already covers them."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return kept


def scope_queryset(queryset: QuerySet, user: Any, *, via: Via = "unit", min_role: Role = Role.VIEWER) -> QuerySet:
    """Filter any queryset to the records the person may see (or act on, with `min_role`)."""
    condition = scope_q(user, via=via, min_role=min_role)
    if condition is None:
        return queryset
    filtered = queryset.filter(condition)
    # A lookup across a to-many relation can repeat rows; only then pay for DISTINCT.
    if any("__" in lookup for lookup in _paths(via)):
        filtered = filtered.distinct()
    return filtered


def role_on(user: Any, unit: Unit) -> Role | None:
    """Return the strongest role the person holds over `unit` (through any ancestor)."""
    if is_system_admin(user):
        return Role.SYSTEM_ADMIN
    ranks = [r.rank for r in reaches(user) if unit.path.startswith(r.path)]
    if not ranks:
        return None
    best = max(ranks)
    return next(role for role, rank in ROLE_RANK.items() if rank == best)


def can(user: Any, unit: Unit | None, min_role: Role = Role.VIEWER) -> bool:
    if unit is None:
        return is_system_admin(user)
    role = role_on(user, unit)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[min_role]


def get_scoped_or_404(
    queryset: QuerySet, user: Any, *, via: Via = "unit", min_role: Role = Role.VIEWER, **lookup: Any
) -> Any:
    """Fetch one record the person may see; 404 when outside their scope, 403 when the role is too low.

    The two answers are deliberately different: 404 keeps other units' ids from leaking, 403
    tells someone who can see a record that they may not change it.
    """
    visible = scope_queryset(queryset, user, via=via, min_role=Role.VIEWER)
    try:
        obj = visible.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if (
        min_role != Role.VIEWER
        and not scope_queryset(queryset.filter(pk=obj.pk), user, via=via, min_role=min_role).exists()
    ):
        raise PermissionDenied
    return obj


def units_visible(user: Any, *, min_role: Role = Role.VIEWER) -> QuerySet[Unit]:
    return scope_queryset(Unit.objects.all(), user, via="", min_role=min_role)


def access_unit(user: Any, pk: Any, *, min_role: Role = Role.VIEWER) -> Unit:
    """Fetch a unit by id for a person: 404 outside their scope, 403 when the role is too low."""
    return get_scoped_or_404(Unit.objects.all(), user, via="", min_role=min_role, pk=pk)


def access_unit_by_code(user: Any, code: str, *, min_role: Role = Role.VIEWER) -> Unit:
    """Fetch the open unit with an official code (or the newest closed one) for a person."""
    visible = units_visible(user).filter(code=code).order_by("valid_to")
    # Open units sort last on valid_to in some databases; pick the open one explicitly.
    unit = visible.filter(valid_to__isnull=True).first() or visible.order_by("-valid_to").first()
    if unit is None:
        raise Http404
    if min_role != Role.VIEWER and not can(user, unit, min_role):
        raise PermissionDenied
    return unit


def can_read_audit(user: Any) -> bool:
    """Leaders, unit admins and system admins read the trail of the units they reach."""
    return is_system_admin(user) or any(r.rank >= ROLE_RANK[Role.LEADER] for r in reaches(user))
