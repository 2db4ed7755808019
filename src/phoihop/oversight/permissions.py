"""Who sees and changes supervisions and recommendations — built on orgs.access only.

- The Front committee that runs a supervision (its scope: people of that unit or above it)
  sees all of it and every answer; its officers act on it.
- A supervised agency sees the supervision's public parts (title, dates, conclusion once
  issued) and only the recommendations addressed to it; another agency gets 404.
- Team members see their supervision, whatever unit they come from.
- The Front above sees a recommendation escalated to it, and the public parts of its supervision.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit
from phoihop.oversight.models import Recommendation, Supervision, SupervisionProgramme

# The Front above reaches a supervision through a recommendation escalated to it (its public parts only).
SUPERVISION_VIA = ("front_unit", "subjects", "recommendations__escalation__to_unit")
# The agency and the Front above see a recommendation once it is sent: a draft is the Front's own.
RECOMMENDATION_RECEIVED_VIA = ("addressee", "escalation__to_unit")


def _or_team(condition: Q | None, user: Any, prefix: str = "") -> Q | None:
    if condition is None:
        return None
    if not getattr(user, "is_authenticated", False):
        return condition
    return condition | Q(**{f"{prefix}team__user": user})


def supervisions_visible(user: Any) -> QuerySet[Supervision]:
    """Supervisions the person's units run, are subject of, or whose team the person is on."""
    condition = _or_team(access.scope_q(user, via=SUPERVISION_VIA), user)
    queryset = Supervision.objects.all()
    return queryset if condition is None else queryset.filter(condition).distinct()


def recommendations_visible(user: Any) -> QuerySet[Recommendation]:
    """Recommendations of the person's Front or team (drafts too), and those sent to their agency or above."""
    own = _or_team(access.scope_q(user, via="front_unit"), user, prefix="supervision__")
    queryset = Recommendation.objects.all()
    if own is None:
        return queryset
    received = access.scope_q(user, via=RECOMMENDATION_RECEIVED_VIA) & ~Q(status=Recommendation.Status.DRAFT)
    return queryset.filter(own | received).distinct()


def programmes_visible(user: Any) -> QuerySet[SupervisionProgramme]:
    return access.scope_queryset(SupervisionProgramme.objects.all(), user, via="front_unit")


def is_front_side(user: Any, supervision: Supervision) -> bool:
    """The running Front (any role) or a team member: sees the whole supervision."""
    if access.can(user, supervision.front_unit):
        return True
    return supervision.team.filter(user_id=getattr(user, "pk", None)).exists()


def can_run(user: Any, front_unit: Unit, min_role: Role = Role.OFFICER) -> bool:
    return front_unit.kind == Unit.Kind.FRONT_COMMITTEE and access.can(user, front_unit, min_role)


def access_programme(user: Any, pk: Any, *, for_write: bool = False) -> SupervisionProgramme:
    min_role = Role.OFFICER if for_write else Role.VIEWER
    return access.get_scoped_or_404(
        SupervisionProgramme.objects.select_related("front_unit"), user, via="front_unit", min_role=min_role, pk=pk
    )


def access_supervision(user: Any, pk: Any, *, for_write: bool = False, min_role: Role = Role.OFFICER) -> Supervision:
    """Fetch a supervision: 404 when not visible; 403 when visible but the person may not run it."""
    try:
        supervision = supervisions_visible(user).select_related("front_unit", "programme_item").get(pk=pk)
    except (Supervision.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if for_write and not access.can(user, supervision.front_unit, min_role):
        raise PermissionDenied
    return supervision


def access_recommendation(user: Any, pk: Any) -> Recommendation:
    try:
        return (
            recommendations_visible(user)
            .select_related("supervision", "front_unit", "addressee", "escalation__to_unit")
            .get(pk=pk)
        )
    except (Recommendation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def can_answer(user: Any, recommendation: Recommendation) -> bool:
    """The addressed agency's officers answer (not the Front, which records paper answers instead)."""
    return access.can(user, recommendation.addressee, Role.OFFICER)


def can_act_for_front(user: Any, recommendation: Recommendation, min_role: Role = Role.OFFICER) -> bool:
    return access.can(user, recommendation.front_unit, min_role)
