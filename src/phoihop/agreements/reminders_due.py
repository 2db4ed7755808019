"""The agreements' provider for notify's reminder engine: open duty occurrences, per owing unit.

Registered in AgreementsConfig.ready() (notify imports no domain app). Three queries whatever
the number of occurrences: the occurrences with their duty, and the owing units of those duties.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from phoihop.agreements.models import Agreement, Occurrence
from phoihop.notify.schedules import DueItem, earliest


def due_occurrences(*, today: dt.date, horizon: dt.date) -> Iterator[DueItem]:
    """Yield one item per open occurrence due by `horizon` and per unit that owes it.

    Duties of draft agreements are not owed yet; the people reminded are the owing unit's
    officers (the engine's default), the escalation goes to its leaders.
    """
    occurrences = (
        Occurrence.objects.filter(state=Occurrence.State.OPEN, due_on__gte=earliest(today), due_on__lte=horizon)
        .exclude(obligation__agreement__status=Agreement.Status.DRAFT)
        .select_related("obligation")
        .prefetch_related("obligation__owing_units")
        .order_by("due_on", "pk")
    )
    for occurrence in occurrences:
        url = reverse("agreements:occurrence-detail", args=[occurrence.pk])
        for unit in occurrence.obligation.owing_units.all():
            yield DueItem(
                key=f"agreements.occurrence:{occurrence.pk}",
                title=occurrence.obligation.title,
                url=url,
                due_on=occurrence.due_on,
                unit=unit,
                label=_("Duty"),
            )
