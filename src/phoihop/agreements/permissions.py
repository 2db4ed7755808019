"""Who may see and change agreements, their duties and their evidence — on top of orgs.access.

Visibility: an agreement is visible to a person whose scope reaches its owner unit or the unit
of any party; a draft only through the owner unit (a party has not signed a draft yet).
Obligations, occurrences and evidence are visible exactly when their agreement is. Outside the
scope: 404 (ids of other units' records do not leak); visible but not allowed: 403.

Changes:
- the agreement, its parties, files, amendments and obligations: officer+ on the owner unit;
- evidence, completing and reopening an occurrence: officer+ on one of the owing units or on
  the owner unit (the Front's office may record what a member organisation did);
- waiving an occurrence: leader+ on the owner unit (a waiver removes a duty from the record);
- events (council sessions, meetings) are seen by every logged-in person; changed by officer+
  on the host unit.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from phoihop.agreements.models import Agreement, AgreementParty, Event, Obligation, Occurrence
from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit

OccurrenceAction = Literal["view", "complete", "waive"]


def _visible_q(user: Any) -> Q | None:
    """Return the filter on Agreement for what the person sees; None means everything."""
    owner = access.scope_q(user, via="owner_unit")
    if owner is None:
        return None
    # A subquery rather than a join through parties: no duplicate rows, so no DISTINCT.
    party_of = access.scope_queryset(AgreementParty.objects.all(), user, via="unit").values("agreement_id")
    return owner | (Q(pk__in=party_of) & ~Q(status=Agreement.Status.DRAFT))


def agreements_visible(user: Any) -> QuerySet[Agreement]:
    """Return the agreements the person may see (the scope of every list of agreements)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Agreement.objects.none()
    condition = _visible_q(user)
    agreements = Agreement.objects.all()
    return agreements if condition is None else agreements.filter(condition)


def can_change_agreement(user: Any, agreement: Agreement) -> bool:
    """Officer or above on the owner unit: edit the agreement, its parties, files and duties."""
    return access.can(user, agreement.owner_unit, Role.OFFICER)


def can_act_on_occurrence(user: Any, occurrence: Occurrence) -> bool:
    """Officer or above on an owing unit or on the owner unit: add evidence, complete, reopen."""
    agreement = occurrence.obligation.agreement
    if access.can(user, agreement.owner_unit, Role.OFFICER):
        return True
    return any(access.can(user, unit, Role.OFFICER) for unit in occurrence.obligation.owing_units.all())


def can_waive_occurrence(user: Any, occurrence: Occurrence) -> bool:
    """Leader or above on the owner unit: only the keeper of the agreement drops a duty."""
    return access.can(user, occurrence.obligation.agreement.owner_unit, Role.LEADER)


def can_change_event(user: Any, event: Event) -> bool:
    return access.can(user, event.host_unit, Role.OFFICER)


def can_manage_areas(user: Any) -> bool:
    """The list of content areas is shared by the whole installation: system admins keep it."""
    return access.is_system_admin(user)


def access_agreement(user: Any, pk: Any, *, for_write: bool = False) -> Agreement:
    """Fetch an agreement the person may see (404 otherwise); with for_write, may change (403)."""
    try:
        agreement = agreements_visible(user).select_related("owner_unit", "parent", "replaced_by").get(pk=pk)
    except (Agreement.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if for_write and not can_change_agreement(user, agreement):
        raise PermissionDenied
    return agreement


def access_obligation(user: Any, pk: Any, *, for_write: bool = False) -> Obligation:
    """Fetch a duty of a visible agreement (404 otherwise); with for_write, officer+ on its owner (403)."""
    try:
        obligation = (
            Obligation.objects.filter(agreement__in=agreements_visible(user))
            .select_related("agreement__owner_unit", "area")
            .get(pk=pk)
        )
    except (Obligation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if for_write and not can_change_agreement(user, obligation.agreement):
        raise PermissionDenied
    return obligation


def access_occurrence(user: Any, pk: Any, *, action: OccurrenceAction = "view") -> Occurrence:
    """Fetch an occurrence of a visible agreement (404 otherwise) and check the action (403).

    "complete" covers adding evidence, completing and reopening; "waive" needs a leader of the
    owner unit.
    """
    if action not in ("view", "complete", "waive"):
        raise ValueError(f"unknown action {action!r}")
    try:
        occurrence = (
            Occurrence.objects.filter(obligation__agreement__in=agreements_visible(user))
            .select_related("obligation__agreement__owner_unit", "obligation__area", "event")
            .get(pk=pk)
        )
    except (Occurrence.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if action == "complete" and not can_act_on_occurrence(user, occurrence):
        raise PermissionDenied
    if action == "waive" and not can_waive_occurrence(user, occurrence):
        raise PermissionDenied
    return occurrence


def access_event(user: Any, pk: Any, *, for_write: bool = False) -> Event:
    """Fetch an event: every logged-in person sees sessions and meetings; the host's officers change them."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise Http404
    try:
        event = Event.objects.select_related("host_unit").get(pk=pk)
    except (Event.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if for_write and not can_change_event(user, event):
        raise PermissionDenied
    return event


def access_level_unit(user: Any, pk: Any) -> Unit:
    """Fetch a territory (the province, a commune) whose coverage the person may see.

    Besides the people whose scope reaches the territory itself, the members of a body at that
    level see it: an officer of 22-MTTQ looks at the province's coverage although the province
    node is above their scope, the officer of 07090-UBND at commune 07090's.
    """
    try:
        unit = Unit.objects.get(pk=pk, kind__in=Unit.TERRITORY_KINDS)
    except (Unit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if access.can(user, unit):
        return unit
    inside = [r.unit_id for r in access.reaches(user)]
    bodies = Unit.objects.filter(pk__in=inside, path__startswith=unit.path).exclude(kind__in=Unit.TERRITORY_KINDS)
    if any(body.territory().pk == unit.pk for body in bodies):
        return unit
    raise Http404
