"""Who to tell: the people of a unit, its leaders, and the leaders of the level above.

Only open memberships (no end date) of active people count: someone who left a unit is no
longer reminded of its duties. A membership reaches the unit's subtree for ACCESS, but for
reminders only the exact unit is meant — the officers of a commune's People's Committee, not
every officer of the province who happens to be able to see it.
"""

from __future__ import annotations

from typing import Any

from phoihop.orgs.access import ROLE_RANK
from phoihop.orgs.models import Role, Unit, User


def _roles_from(min_role: Role) -> list[str]:
    return [role for role, rank in ROLE_RANK.items() if rank >= ROLE_RANK[min_role]]


def _members(unit_ids: list[int], min_role: Role) -> Any:
    return (
        User.objects.filter(
            is_active=True,
            memberships__unit_id__in=unit_ids,
            memberships__ended_on__isnull=True,
            memberships__role__in=_roles_from(min_role),
        )
        .distinct()
        .order_by("pk")
    )


def people_of(unit: Unit, *, min_role: Role = Role.OFFICER) -> list[User]:
    """Return the active people holding an open membership of `unit` itself at `min_role` or above."""
    return list(_members([unit.pk], min_role))


def leaders_of(unit: Unit) -> list[User]:
    """Return the people who lead `unit` (leader, unit administrator or system administrator on it)."""
    return people_of(unit, min_role=Role.LEADER)


def leaders_above(unit: Unit) -> list[User]:
    """Return the leaders of the nearest ancestor of `unit` that has any ([] at the top).

    One query for all ancestors: the deepest ancestor with a leader wins, so a department
    without leaders in the system passes the escalation on to the province, not to nobody.
    """
    ancestor_paths = [unit.path[:n] for n in range(Unit.steplen, len(unit.path), Unit.steplen)]
    if not ancestor_paths:
        return []
    rows = (
        User.objects.filter(
            is_active=True,
            memberships__unit__path__in=ancestor_paths,
            memberships__ended_on__isnull=True,
            memberships__role__in=_roles_from(Role.LEADER),
        )
        .values_list("pk", "memberships__unit__path")
        .order_by("pk")
    )
    by_path: dict[str, list[int]] = {}
    for pk, path in rows:
        by_path.setdefault(path, []).append(pk)
    if not by_path:
        return []
    nearest = max(by_path, key=len)
    return list(User.objects.filter(pk__in=by_path[nearest]).order_by("pk"))
