"""Who may see, edit and issue review reports and urging letters — on top of orgs.access.

Review reports: visible with their agreement (agreements.permissions) to a person whose scope
reaches the issuing body; once issued, to everyone who sees the agreement. Generating and
editing: officer+ on the issuing body; issuing: leader+ on the issuing body (the signer's side).

Urging letters: the issuing body's people see its drafts and letters; the addressed unit sees
the letters once sent (a draft is nobody else's business). Drafting: officer+ on the issuing
body and the addressed unit visible to the person; sending: leader+ on the issuing body.

Outside the scope: 404 (ids do not leak); visible but not allowed: 403.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from phoihop.agreements.permissions import agreements_visible
from phoihop.insights.models import ReviewReport, UrgingLetter
from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit

Action = Literal["view", "edit", "issue"]
_ROLE_FOR = {"view": Role.VIEWER, "edit": Role.OFFICER, "issue": Role.LEADER}


def reports_visible(user: Any) -> QuerySet[ReviewReport]:
    """Return the review reports the person may see."""
    reports = ReviewReport.objects.filter(agreement__in=agreements_visible(user))
    issuer = access.scope_q(user, via="issuing_unit")
    if issuer is None:
        return reports
    return reports.filter(issuer | Q(status=ReviewReport.Status.ISSUED))


def access_report(user: Any, pk: Any, *, action: Action = "view") -> ReviewReport:
    """Fetch a review report the person may see (404), and may edit or issue when asked (403)."""
    try:
        report = reports_visible(user).select_related("agreement__owner_unit", "issuing_unit").get(pk=pk)
    except (ReviewReport.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if action != "view" and not access.can(user, report.issuing_unit, _ROLE_FOR[action]):
        raise PermissionDenied
    return report


def issuing_units(user: Any, agreement: Any) -> QuerySet[Unit]:
    """The bodies that may issue a review of the agreement for this person: its owner and its
    parties, where the person is officer+."""
    candidates = Unit.objects.filter(Q(pk=agreement.owner_unit_id) | Q(agreement_parties__agreement=agreement))
    condition = access.scope_q(user, via="", min_role=Role.OFFICER)
    if condition is not None:
        candidates = candidates.filter(condition)
    return candidates.distinct().order_by("path")


def can_generate(user: Any, agreement: Any) -> bool:
    return issuing_units(user, agreement).exists()


def letters_visible(user: Any) -> QuerySet[UrgingLetter]:
    """Return the letters the person may see: their bodies' letters, and those sent to their units."""
    issuer = access.scope_q(user, via="issuing_unit")
    if issuer is None:
        return UrgingLetter.objects.all()
    addressed = access.scope_q(user, via="unit")
    return UrgingLetter.objects.filter(issuer | (addressed & Q(status=UrgingLetter.Status.SENT)))


def access_letter(user: Any, pk: Any, *, action: Literal["view", "send"] = "view") -> UrgingLetter:
    """Fetch a letter the person may see (404); to send it, leader+ on the issuing body (403)."""
    try:
        letter = letters_visible(user).select_related("unit", "issuing_unit").get(pk=pk)
    except (UrgingLetter.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if action == "send" and not access.can(user, letter.issuing_unit, Role.LEADER):
        raise PermissionDenied
    return letter


def letter_issuers(user: Any) -> QuerySet[Unit]:
    """The bodies (not territories) the person may draft letters for: officer+ there."""
    units = access.units_visible(user, min_role=Role.OFFICER).exclude(kind__in=Unit.TERRITORY_KINDS)
    if access.is_system_admin(user):
        # An administrator reaches every body; offer the ones of their own memberships first.
        own = [r.unit_id for r in access.reaches(user)]
        units = Unit.objects.filter(Q(pk__in=own) | Q(parent_is_territory_body(own))).exclude(
            kind__in=Unit.TERRITORY_KINDS
        )
    return units.filter(valid_to__isnull=True).order_by("path")


def parent_is_territory_body(unit_ids: list[int]) -> Q:
    """The bodies directly inside the territories the person is a member of (an admin of the
    province drafts for the province's People's Committee or Front, not for a commune's)."""
    paths = list(Unit.objects.filter(pk__in=unit_ids, kind__in=Unit.TERRITORY_KINDS).values_list("path", flat=True))
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(path__startswith=path, depth=len(path) // Unit.steplen + 1)
    return condition
