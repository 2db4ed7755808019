"""Reads of units, memberships and people, already filtered to what the person may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from phoihop.orgs import access
from phoihop.orgs.models import Membership, Role, Unit, UnitSuccession, User


@dataclass
class TreeNode:
    unit: Unit
    visible: bool  # False for ancestors shown only as context above the person's units
    children: list[TreeNode] = field(default_factory=list)


def unit_tree_for_user(*, user: Any, include_closed: bool = False) -> list[TreeNode]:
    """Return the units the person may see as a forest, with their ancestors as context.

    One query for the visible units and one for the context ancestors, however deep.
    """
    visible = access.units_visible(user)
    if not include_closed:
        visible = visible.filter(valid_to__isnull=True)
    units = list(visible.order_by("path"))
    visible_ids = {u.pk for u in units}
    ancestor_paths = {u.path[:end] for u in units for end in range(Unit.steplen, len(u.path), Unit.steplen)} - {
        u.path for u in units
    }
    context = list(Unit.objects.filter(path__in=ancestor_paths)) if ancestor_paths else []
    nodes = {u.path: TreeNode(u, u.pk in visible_ids) for u in sorted([*units, *context], key=lambda u: u.path)}
    roots: list[TreeNode] = []
    for path, node in nodes.items():
        parent = nodes.get(path[: -Unit.steplen])
        (parent.children if parent else roots).append(node)
    _sort(roots)
    return roots


_KIND_ORDER = {kind: i for i, kind in enumerate(Unit.Kind.values)}
_BODY_FIRST = {Unit.Kind.PEOPLE_COMMITTEE: 0, Unit.Kind.PEOPLE_COUNCIL: 1, Unit.Kind.FRONT_COMMITTEE: 2}


def _sort(nodes: list[TreeNode]) -> None:
    # Bodies first (UBND, HĐND, MTTQ, …), then territories by name; closed units last.
    nodes.sort(
        key=lambda n: (
            n.unit.valid_to is not None,
            n.unit.is_territory,
            _BODY_FIRST.get(n.unit.kind, 9),
            _KIND_ORDER.get(n.unit.kind, 99),
            n.unit.name,
        )
    )
    for node in nodes:
        _sort(node.children)


def unit_list(
    *, user: Any, query: str = "", kind: str = "", include_closed: bool = False, parent: Unit | None = None
) -> QuerySet[Unit]:
    units = access.units_visible(user)
    if not include_closed:
        units = units.filter(valid_to__isnull=True)
    if kind:
        units = units.filter(kind=kind)
    if parent is not None:
        units = units.filter(path__startswith=parent.path, depth=parent.depth + 1)
    if query:
        from phoihop.core.text import fold_words

        for word in fold_words(query):
            units = units.filter(Q(pk__in=_search_unit_ids(word)) | Q(code__istartswith=word))
    return units.order_by("path")


def _search_unit_ids(word: str) -> QuerySet:
    from phoihop.core.search import search_documents

    return search_documents(word).filter(model="orgs.unit").values("object_id")


def unit_children(*, user: Any, unit: Unit, include_closed: bool = False) -> QuerySet[Unit]:
    children = access.units_visible(user).filter(path__startswith=unit.path, depth=unit.depth + 1)
    if not include_closed:
        children = children.filter(valid_to__isnull=True)
    return children.order_by("name")


def unit_members(*, user: Any, unit: Unit, include_ended: bool = False) -> QuerySet[Membership]:
    members = access.scope_queryset(Membership.objects.filter(unit=unit), user, via="unit")
    if not include_ended:
        members = members.filter(ended_on__isnull=True)
    return members.select_related("user").order_by("-role", "user__full_name")


def unit_history(*, unit: Unit) -> dict[str, list[UnitSuccession]]:
    return {
        "predecessors": list(UnitSuccession.objects.filter(successor=unit).select_related("predecessor")),
        "successors": list(UnitSuccession.objects.filter(predecessor=unit).select_related("successor")),
    }


def user_memberships(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, ended_on__isnull=True).select_related("unit").order_by("unit__path")


def home_summary(*, user: User) -> dict[str, Any]:
    return {"memberships": user_memberships(user=user)}


def people_list(*, user: Any, query: str = "") -> QuerySet[User]:
    """Return the people who hold a membership the viewer can see (system admins: everyone)."""
    if access.is_system_admin(user):
        people = User.objects.all()
    else:
        visible = access.scope_queryset(Membership.objects.filter(ended_on__isnull=True), user, via="unit")
        people = User.objects.filter(pk__in=visible.values("user_id"))
    if query:
        people = people.filter(Q(username__icontains=query) | Q(full_name__icontains=query) | Q(email__icontains=query))
    return people.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.filter(ended_on__isnull=True).select_related("unit"))
    ).order_by("username")


def managed_units(*, user: Any) -> QuerySet[Unit]:
    """Units where the person may create, edit, close and merge units (unit admins and up)."""
    return access.units_visible(user, min_role=Role.UNIT_ADMIN)
