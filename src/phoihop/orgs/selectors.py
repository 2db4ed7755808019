"""Reads of units, memberships and people, already filtered to what the person may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
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

    # A unit's own search document carries the unit itself as its scope unit (orgs.apps).
    return search_documents(word).filter(model="orgs.unit").values("unit_id")


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


def can_manage_people(*, user: Any) -> bool:
    """Whether the person administers any unit (the people screens are theirs). No query: memberships are cached."""
    return access.is_system_admin(user) or any(
        r.rank >= access.ROLE_RANK[Role.UNIT_ADMIN] for r in access.reaches(user)
    )


def people_list(
    *, user: Any, query: str = "", include_former: bool = False, min_role: Role = Role.UNIT_ADMIN
) -> QuerySet[User]:
    """Return the people who hold a membership in the units the viewer reaches with `min_role`.

    System admins see everyone, including people without any membership. `include_former` adds
    people whose membership there has ended, so an administrator can find them to re-grant.
    Each person carries `visible_memberships`: their open memberships inside the viewer's scope
    only, so the list never tells one commune where else a person works.
    """
    open_memberships = Membership.objects.filter(ended_on__isnull=True)
    if access.is_system_admin(user):
        people = User.objects.all()
    else:
        memberships = Membership.objects.all() if include_former else open_memberships
        visible = access.scope_queryset(memberships, user, via="unit", min_role=min_role)
        people = User.objects.filter(pk__in=visible.values("user_id"))
    if query:
        query = query.strip()
        people = people.filter(Q(username__icontains=query) | Q(full_name__icontains=query) | Q(email__icontains=query))
    shown = access.scope_queryset(open_memberships, user, via="unit").select_related("unit").order_by("unit__path")
    return people.prefetch_related(Prefetch("memberships", queryset=shown, to_attr="visible_memberships")).order_by(
        "username"
    )


def person_get(*, user: Any, pk: Any, manage: bool = False) -> User:
    """Fetch a person for a unit admin: 404 unless a membership (even an ended one) is within sight.

    Visible with a lower role than unit admin answers 403. With `manage=True` (edit, deactivate)
    the viewer must also administer every unit where the person still holds a membership, and
    only a system admin manages a system admin: one commune must not lock out a person the
    province also relies on.
    """
    person = access.get_scoped_or_404(
        User.objects.all(), user, via="memberships__unit", min_role=Role.UNIT_ADMIN, pk=pk
    )
    if manage and not can_manage_person(user=user, person=person):
        raise PermissionDenied
    return person


def can_manage_person(*, user: Any, person: User) -> bool:
    """Whether the viewer may edit, deactivate or reactivate the person (see person_get)."""
    if access.is_system_admin(user):
        return True
    if person.is_superuser or person.pk == user.pk:
        return False
    held = Membership.objects.filter(user=person, ended_on__isnull=True).select_related("unit")
    return all(m.role != Role.SYSTEM_ADMIN and access.can(user, m.unit, Role.UNIT_ADMIN) for m in held)


def person_memberships(*, user: Any, person: User) -> QuerySet[Membership]:
    """Return the person's memberships (open and ended) in the units the viewer can see."""
    return (
        access.scope_queryset(Membership.objects.filter(user=person), user, via="unit")
        .select_related("unit")
        .order_by("ended_on", "unit__path")
    )


def membership_get(*, user: Any, pk: Any) -> Membership:
    """Fetch a membership a unit admin may end: 404 outside sight, 403 below unit admin."""
    return access.get_scoped_or_404(
        Membership.objects.select_related("unit", "user"), user, via="unit", min_role=Role.UNIT_ADMIN, pk=pk
    )


def managed_units(*, user: Any, open_only: bool = False) -> QuerySet[Unit]:
    """Units where the person may create, edit, close and merge units (unit admins and up)."""
    units = access.units_visible(user, min_role=Role.UNIT_ADMIN)
    if open_only:
        units = units.filter(valid_to__isnull=True)
    return units.order_by("path")


def unit_open_memberships(*, unit: Unit) -> QuerySet[Membership]:
    """Return the open memberships in the unit and the open units below it (those a close affects)."""
    subtree = Unit.objects.get_tree(unit).filter(valid_to__isnull=True)
    return Membership.objects.filter(unit__in=subtree, ended_on__isnull=True)
