"""The criticism module's due items for the one reminder engine in `notify` (contracts2.md).

Two kinds of open item: opinions due from each invited organisation while opinions are being
collected (one item per organisation that has given none yet), and the dispositions due from
the drafting agency once the critique document is issued (until every opinion has one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from phoihop.criticism.models import Critique, Invitation
from phoihop.notify.schedules import DueItem


def due_items(*, today: dt.date, horizon: dt.date) -> Iterator[DueItem]:
    """Yield the open opinions and dispositions due by `horizon` (overdue ones included)."""
    invitations = (
        Invitation.objects.filter(critique__status=Critique.Status.COLLECTING, critique__opinions_due__lte=horizon)
        .select_related("critique", "unit")
        .order_by("critique_id", "id")
    )
    answered = set(
        Invitation.objects.filter(
            critique__status=Critique.Status.COLLECTING, critique__opinions__author_unit=F("unit")
        ).values_list("pk", flat=True)
    )
    for invitation in invitations:
        if invitation.pk in answered:
            continue
        critique = invitation.critique
        yield DueItem(
            key=f"criticism.opinions:{critique.pk}:{invitation.unit_id}",
            title=critique.title,
            url=critique.get_absolute_url(),
            due_on=critique.opinions_due,
            unit=invitation.unit,
            label=_("Opinion on a draft"),
        )
    for critique in Critique.objects.filter(
        status=Critique.Status.CONSOLIDATED, disposition_due__lte=horizon
    ).select_related("drafting_unit"):
        yield DueItem(
            key=f"criticism.critique:{critique.pk}",
            title=critique.title,
            url=critique.get_absolute_url(),
            due_on=critique.disposition_due,
            unit=critique.drafting_unit,
            label=_("Critique"),
        )
