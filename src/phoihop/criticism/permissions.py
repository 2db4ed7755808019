"""Who sees and does what in a critique, built on `orgs.access` (the one place for access rules).

Three relations to a critique, each from the person's memberships (a membership reaches its
unit's subtree):

- the Front: reaches the Front committee that runs it — sees everything, officers manage it;
- the drafting agency: reaches the agency — sees the critique, the draft versions it supplied,
  the issued critique document with the opinions in it, and its officers record dispositions;
- invited: reaches an invited organisation, or is an invited expert with an account — sees
  the drafts and the opinions once opinions are being collected, and gives opinions.

The drafts (versions, and opinions before they are consolidated) are shown to nobody else:
anyone without one of these relations gets 404, so ids of other critiques do not leak.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from phoihop.criticism.models import Critique, Expert
from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit

# Before opinions are asked for, a critique is the Front's and the drafting agency's business.
_BEING_PREPARED = Critique.Status.DRAFT


def visible_q(user: Any) -> Q | None:
    """Return the filter of critiques the person may see (None: all, for system administrators)."""
    if access.is_system_admin(user):
        return None
    condition = access.scope_q(user, via="front_unit") | access.scope_q(user, via="drafting_unit")
    invited = access.scope_q(user, via="invitations__unit")
    if getattr(user, "is_authenticated", False):
        invited |= Q(experts__user=user)
    return condition | (invited & ~Q(status=_BEING_PREPARED))


def scope_critiques(queryset: QuerySet[Critique], user: Any) -> QuerySet[Critique]:
    """Filter critiques to those the person may see, without repeating rows."""
    condition = visible_q(user)
    if condition is None:
        return queryset
    # The invitation and expert joins can repeat a critique; filter by id instead of DISTINCT
    # so callers keep any ordering they like.
    return queryset.filter(pk__in=Critique.objects.filter(condition).values("pk"))


@dataclass
class CritiqueAccess:
    """A person's relation to one critique, and what it lets them see and do."""

    critique: Critique
    user: Any
    front: bool
    drafting: bool
    invited_units: list[Unit] = field(default_factory=list)
    expert: Expert | None = None

    @property
    def invited(self) -> bool:
        return bool(self.invited_units) or self.expert is not None

    @property
    def sees_drafts(self) -> bool:
        return self.front or self.drafting or self.invited

    @property
    def sees_all_opinions(self) -> bool:
        """Opinions before consolidation: the Front and the invited organisations only."""
        return self.front or self.invited

    @property
    def sees_document(self) -> bool:
        """The issued critique document and the opinions in it."""
        issued = self.critique.issued_on is not None
        return issued and (self.front or self.drafting or self.invited)

    @property
    def can_manage(self) -> bool:
        return access.can(self.user, self.critique.front_unit, Role.OFFICER)

    @property
    def can_dispose(self) -> bool:
        return access.can(self.user, self.critique.drafting_unit, Role.OFFICER)

    def opinion_authors(self) -> tuple[list[Unit], list[Expert]]:
        """Return the organisations and experts this person may give opinions for.

        An invited organisation's officers speak for it; an expert speaks for themselves; the
        Front's officers may record any invited author's opinion (given at a conference or on
        paper).
        """
        critique = self.critique
        if self.can_manage:
            units = [inv.unit for inv in critique.invitations.select_related("unit")]
            return units, list(critique.experts.all())
        units = [unit for unit in self.invited_units if access.can(self.user, unit, Role.OFFICER)]
        return units, [self.expert] if self.expert is not None else []

    def require(self, allowed: bool) -> None:
        """Refuse with 403: the person sees the critique but may not do this."""
        if not allowed:
            raise PermissionDenied


def critique_access(user: Any, critique: Critique) -> CritiqueAccess | None:
    """Return the person's relation to the critique, or None when they have none."""
    admin = access.is_system_admin(user)
    front = admin or access.can(user, critique.front_unit)
    drafting = admin or access.can(user, critique.drafting_unit)
    invited_units: list[Unit] = []
    expert = None
    if critique.status != _BEING_PREPARED:
        invited_units = [inv.unit for inv in critique.invitations.select_related("unit") if access.can(user, inv.unit)]
        if getattr(user, "is_authenticated", False):
            expert = critique.experts.filter(user=user).first()
    found = CritiqueAccess(critique, user, front, drafting, invited_units, expert)
    return found if (front or drafting or found.invited) else None


def access_critique(user: Any, pk: Any) -> CritiqueAccess:
    """Fetch a critique for a person with their relation to it; 404 when they have none."""
    try:
        critique = Critique.objects.select_related("front_unit", "drafting_unit").get(pk=pk)
    except (Critique.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    found = critique_access(user, critique)
    if found is None:
        raise Http404
    return found


def front_units_for(user: Any) -> QuerySet[Unit]:
    """Return the Front committees in which the person may start a critique (officer or above)."""
    return access.units_visible(user, min_role=Role.OFFICER).filter(
        kind=Unit.Kind.FRONT_COMMITTEE, valid_to__isnull=True
    )
