"""Reads of the criticism module, already filtered to what the person may see.

The board and inbox selectors are called by `oversight` (the Front's board, the agency's inbox);
the compliance selectors by `insights`. Each critique addressed to a drafting agency counts once
for compliance: done when every opinion of the critique document has a disposition, on time
when that happened by the disposition deadline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, When
from django.utils import timezone

from phoihop.core.rates import Compliance
from phoihop.criticism.models import Critique, DraftSection, DraftVersion, Opinion
from phoihop.criticism.permissions import CritiqueAccess, scope_critiques
from phoihop.orgs import access
from phoihop.orgs.models import Unit

S = Critique.Status


def _base() -> QuerySet[Critique]:
    return Critique.objects.select_related("front_unit", "drafting_unit")


def critique_list(*, user: Any, status: str = "", q: str = "") -> QuerySet[Critique]:
    """Return the critiques the person may see, open ones first by their next deadline."""
    queryset = scope_critiques(_base(), user)
    if status:
        queryset = queryset.filter(status=status)
    if q:
        queryset = queryset.filter(title__icontains=q)
    return queryset.annotate(
        is_closed=Case(When(status=S.CLOSED, then=1), default=0, output_field=IntegerField())
    ).order_by("is_closed", "-created_at", "-id")


def critiques_for_board(*, user: Any) -> QuerySet[Critique]:
    """Return the open critiques run by the Front committees the person reaches (the Front's board)."""
    queryset = _base().exclude(status=S.CLOSED)
    condition = access.scope_q(user, via="front_unit")
    if condition is not None:
        queryset = queryset.filter(condition)
    return queryset.order_by("opinions_due", "id")


def critiques_addressed_to(*, user: Any) -> QuerySet[Critique]:
    """Return the critique documents sent to the person's agencies and not closed, by disposition deadline.

    Only issued critiques are addressed to the agency: before that there is nothing to answer.
    """
    queryset = _base().filter(status__in=[S.CONSOLIDATED, S.DISPOSED])
    condition = access.scope_q(user, via="drafting_unit")
    if condition is not None:
        queryset = queryset.filter(condition)
    return queryset.order_by("disposition_due", "id")


def versions_with_sections(critique: Critique) -> list[DraftVersion]:
    """Return the versions of a critique with their sections (two queries)."""
    return list(
        critique.versions.prefetch_related(Prefetch("sections", queryset=DraftSection.objects.order_by("order", "id")))
    )


def opinions_for(critique_access: CritiqueAccess) -> QuerySet[Opinion]:
    """Return the opinions this person may read: all for the Front and the invited organisations,
    those of the issued critique document for the drafting agency, none otherwise."""
    queryset = Opinion.objects.filter(critique=critique_access.critique).select_related(
        "author_unit", "expert", "section__version", "disposition__changed_section__version"
    )
    if critique_access.sees_all_opinions:
        return queryset
    if critique_access.sees_document:
        return queryset.filter(included=True)
    return queryset.none()


def document_opinions(critique: Critique) -> QuerySet[Opinion]:
    """Return the opinions of the critique document, in the document's order."""
    return (
        Opinion.objects.filter(critique=critique, included=True)
        .select_related("author_unit", "expert", "section__version", "disposition__changed_section__version")
        .order_by("order", "id")
    )


def changed_sections(critique: Critique) -> dict[int, bool]:
    """Map each disposition's changed section to whether its text really differs from the version before.

    A section "changed" when the version before has no section of the same number, or has one
    with a different text: the disposition points to a real change, not just a place.
    """
    targets = list(
        DraftSection.objects.filter(dispositions__opinion__critique=critique).select_related("version").distinct()
    )
    if not targets:
        return {}
    previous = {
        (s.version.number, s.number): s.text
        for s in DraftSection.objects.filter(version__critique=critique).select_related("version")
    }
    result = {}
    for section in targets:
        before = previous.get((section.version.number - 1, section.number))
        result[section.pk] = before is None or before.strip() != section.text.strip()
    return result


# --- Compliance (insights) ---------------------------------------------------------------------


def _compliance_queryset(
    *, user: Any, drafting_unit: Unit | None, date_from: dt.date | None, date_to: dt.date | None
) -> QuerySet[Critique]:
    # One item per critique document sent to a drafting agency: those with a disposition deadline.
    queryset = scope_critiques(Critique.objects.filter(disposition_due__isnull=False), user)
    if drafting_unit is not None:
        if drafting_unit.kind in Unit.TERRITORY_KINDS:
            queryset = queryset.filter(drafting_unit__path__startswith=drafting_unit.path)
        else:
            queryset = queryset.filter(drafting_unit=drafting_unit)
    if date_from is not None:
        queryset = queryset.filter(disposition_due__gte=date_from)
    if date_to is not None:
        queryset = queryset.filter(disposition_due__lte=date_to)
    return queryset


def _counts(today: dt.date) -> dict[str, Any]:
    done = Q(disposed_on__isnull=False)
    return {
        "done_on_time": Count("pk", filter=done & Q(disposed_on__lte=F("disposition_due"))),
        "done_late": Count("pk", filter=done & Q(disposed_on__gt=F("disposition_due"))),
        "overdue_open": Count("pk", filter=~done & Q(disposition_due__lt=today)),
        "upcoming": Count("pk", filter=~done & Q(disposition_due__gte=today)),
    }


def critique_compliance(
    *,
    user: Any,
    drafting_unit: Unit | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    today: dt.date | None = None,
) -> Compliance:
    """Return the on-time counts of dispositions for critiques whose deadline is in the range."""
    today = today or timezone.localdate()
    queryset = _compliance_queryset(user=user, drafting_unit=drafting_unit, date_from=date_from, date_to=date_to)
    return Compliance.from_counts(queryset.aggregate(**_counts(today)))


def critique_compliance_by_unit(
    *,
    user: Any,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    today: dt.date | None = None,
) -> dict[int, Compliance]:
    """Return the on-time counts per drafting agency (keyed by unit pk), in one query."""
    today = today or timezone.localdate()
    queryset = _compliance_queryset(user=user, drafting_unit=None, date_from=date_from, date_to=date_to)
    rows = queryset.order_by().values("drafting_unit_id").annotate(**_counts(today))
    return {row.pop("drafting_unit_id"): Compliance.from_counts(row) for row in rows}


def overdue_critiques(*, user: Any, unit: Unit | None = None, today: dt.date | None = None) -> QuerySet[Critique]:
    """Return the critiques whose dispositions are past their deadline and not all recorded, oldest first."""
    today = today or timezone.localdate()
    queryset = scope_critiques(_base().filter(status=S.CONSOLIDATED, disposition_due__lt=today), user)
    if unit is not None:
        queryset = queryset.filter(Q(drafting_unit=unit) | Q(drafting_unit__path__startswith=unit.path))
    return queryset.order_by("disposition_due", "id")
