"""Answer reminders for recommendations, through notify's one schedules engine (contracts2.md).

The provider lists the open items; the engine decides when to remind (7/3/1 working days
before, overdue) and dedupes. Escalation to the Front above is ours: `run_escalations()` is
called from the same nightly run through the `phoihop oversight-escalate` command.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from phoihop.notify.schedules import DueItem
from phoihop.oversight.models import Recommendation


def recommendation_due_items(*, today: dt.date, horizon: dt.date) -> Iterator[DueItem]:
    """Sent, unanswered recommendations due by `horizon` (overdue ones included), owed by the agency."""
    queryset = (
        Recommendation.objects.filter(status=Recommendation.Status.SENT, deadline__lte=horizon)
        .select_related("addressee", "front_unit")
        .order_by("deadline", "pk")
    )
    for recommendation in queryset.iterator(chunk_size=500):
        yield DueItem(
            key=f"oversight.recommendation:{recommendation.pk}",
            title=recommendation.title,
            url=recommendation.get_absolute_url(),
            due_on=recommendation.deadline,
            unit=recommendation.addressee,
            label=_("Recommendation"),
        )


def register() -> None:
    from phoihop.notify import schedules

    schedules.register("oversight", recommendation_due_items)
