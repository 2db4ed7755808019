"""What the reminder engine (notify.schedules) is told about tasks: open work with a due date.

A task owes its lead unit's work: it is one item, reminding the people assigned in the lead
unit (nobody assigned → the engine reminds the unit's officers). Each co-operating unit whose
part is not done is an item of its own for that unit, so a late partner is reminded and
escalated to its own leaders, not the lead unit's. Submitted tasks wait for confirmation, not
for the units: they are left out, as are confirmed and cancelled ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from phoihop.notify.schedules import DueItem, earliest
from phoihop.tasks.models import Task, TaskAssignee, TaskUnit


def due_items(*, today: dt.date, horizon: dt.date) -> Iterator[DueItem]:
    """Yield the open tasks and unfinished co-operating parts due by `horizon` (overdue ones too)."""
    tasks = (
        Task.objects.filter(status__in=Task.OPEN_STATUSES, due_date__lte=horizon, due_date__gte=earliest(today))
        .select_related("lead_unit")
        .prefetch_related(
            Prefetch("assignees", queryset=TaskAssignee.objects.select_related("user").order_by("pk")),
            Prefetch(
                "units",
                queryset=TaskUnit.objects.filter(role=TaskUnit.Role.COOPERATING)
                .exclude(status=TaskUnit.Status.DONE)
                .select_related("unit")
                .order_by("pk"),
                to_attr="open_parts",
            ),
        )
        .order_by("due_date", "pk")
    )
    for task in tasks.iterator(chunk_size=500):
        url = task.get_absolute_url()
        people = tuple(a.user for a in task.assignees.all() if a.unit_id == task.lead_unit_id)
        yield DueItem(
            key=f"tasks.task:{task.pk}",
            title=task.title,
            url=url,
            due_on=task.due_date,
            unit=task.lead_unit,
            people=people,
            label=_("Task"),
        )
        for part in task.open_parts:
            yield DueItem(
                key=f"tasks.taskunit:{part.pk}",
                title=task.title,
                url=url,
                due_on=task.due_date,
                unit=part.unit,
                people=tuple(a.user for a in task.assignees.all() if a.unit_id == part.unit_id),
                label=_("Task"),
            )
