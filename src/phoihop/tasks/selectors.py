"""Reads of plans and tasks, already filtered to what the person may see.

On time (issue 5 item 8, the formula of core.rates.Compliance and agreements.selectors): a task
due in the period is done on time (confirmed, `completed_on` ≤ due date), done late (confirmed
after it), or open and overdue (neither confirmed nor cancelled, due before today); a cancelled
task is waived. Open overdue tasks count against the rate. Top-level tasks and subtasks count
alike: each has its own lead unit and due date.

The display status is the stored status, except that a task neither confirmed nor cancelled
past its due date shows "overdue" — computed in SQL so lists filter and count by it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phoihop.agreements.models import Area
from phoihop.core.models import AuditEvent
from phoihop.core.rates import Compliance
from phoihop.orgs import access
from phoihop.orgs.models import Membership, Unit
from phoihop.tasks.models import Plan, Task, TaskAssignee, TaskUnit, TaskUpdate
from phoihop.tasks.permissions import plans_visible, tasks_visible

S = Task.Status
OVERDUE = "overdue"
CLOSED = (S.CONFIRMED, S.CANCELLED)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# --- Statuses ---------------------------------------------------------------------------------


def overdue_q(today: dt.date, prefix: str = "") -> Q:
    """Tasks still owed past their due date (neither confirmed nor cancelled)."""
    return ~Q(**{f"{prefix}status__in": CLOSED}) & Q(**{f"{prefix}due_date__lt": today})


def display_status_case(today: dt.date) -> Case:
    return Case(
        When(overdue_q(today), then=Value(OVERDUE)),
        default="status",
        output_field=CharField(),
    )


def display_status(task: Task, *, today: dt.date | None = None) -> str:
    """Return the display status of one task (the Python twin of display_status_case)."""
    today = _today(today)
    if task.status not in CLOSED and task.due_date < today:
        return OVERDUE
    return task.status


def display_status_choices() -> list[tuple[str, Any]]:
    """The statuses a list can be filtered by: the stored ones and "overdue"."""
    return [*S.choices, (OVERDUE, _("Overdue"))]


def _count_aggregates(today: dt.date, prefix: str = "") -> dict[str, Count]:
    p = prefix
    confirmed = Q(**{f"{p}status": S.CONFIRMED})
    return {
        "done_on_time": Count("pk", filter=confirmed & Q(**{f"{p}completed_on__lte": F(f"{p}due_date")})),
        "done_late": Count("pk", filter=confirmed & Q(**{f"{p}completed_on__gt": F(f"{p}due_date")})),
        "overdue_open": Count("pk", filter=overdue_q(today, p)),
        "upcoming": Count("pk", filter=~Q(**{f"{p}status__in": CLOSED}) & Q(**{f"{p}due_date__gte": today})),
        "waived": Count("pk", filter=Q(**{f"{p}status": S.CANCELLED})),
    }


# --- Scoping helpers --------------------------------------------------------------------------


def _unit_q(unit: Unit, *, role: str = "") -> Q:
    """Tasks in which `unit` takes part (with `role` if given); a territory means its whole subtree."""
    parts = (
        TaskUnit.objects.filter(unit__path__startswith=unit.path)
        if unit.is_territory
        else TaskUnit.objects.filter(unit=unit)
    )
    if role:
        parts = parts.filter(role=role)
    return Q(pk__in=parts.values("task_id"))


def _lead_q(unit: Unit) -> Q:
    """Tasks led by `unit` (by a unit of its subtree when it is a territory)."""
    if unit.is_territory:
        return Q(lead_unit__path__startswith=unit.path)
    return Q(lead_unit=unit)


def _area_q(area: Any) -> Q:
    if isinstance(area, Area):
        return Q(area=area)
    if isinstance(area, int) or (isinstance(area, str) and area.isdigit()):
        return Q(area_id=int(area))
    return Q(area__code=str(area).strip())


def _my_unit_ids(user: Any) -> list[int]:
    return [r.unit_id for r in access.reaches(user)]


def _list_related(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.select_related("lead_unit", "area", "plan", "parent").prefetch_related(
        # By id: the lead row is made first (and keeps its row when the lead changes), so it comes first.
        Prefetch("units", queryset=TaskUnit.objects.select_related("unit").order_by("pk")),
        Prefetch("assignees", queryset=TaskAssignee.objects.select_related("user").order_by("pk")),
    )


# --- Lists ------------------------------------------------------------------------------------


def _my_q(user: Any) -> Q:
    """Tasks I do: assigned to me, or parts of my own units where nobody is assigned yet."""
    mine = TaskAssignee.objects.filter(user=user).values("task_id")
    units = _my_unit_ids(user)
    nobody = ~Exists(TaskAssignee.objects.filter(task=OuterRef("task_id"), unit=OuterRef("unit_id")))
    unassigned = (
        TaskUnit.objects.filter(unit_id__in=units).exclude(role=TaskUnit.Role.OBSERVER).filter(nobody).values("task_id")
    )
    return Q(pk__in=mine) | Q(pk__in=unassigned)


def task_list(
    *,
    user: Any,
    view: str = "my",
    plan: Plan | None = None,
    unit: Unit | None = None,
    filters: dict[str, Any] | None = None,
    today: dt.date | None = None,
) -> QuerySet[Task]:
    """Return the visible tasks of a list, filtered, annotated with `display_status`, due first.

    view "my": assigned to the person, or of their units where nobody is assigned; "unit": in
    which `unit` (default: the person's own units) takes part; "plan": the plan's tasks; "all":
    every task the person may see.
    filters (all optional): unit (Unit, id or code: takes part), role (lead / cooperating /
    observer, of `unit` or of the person's units), area (Area, id or code), status (a stored
    status or "overdue"), overdue (bool), due_this_week (bool), q (words of number, title or
    description), assignee (user id), parent ("none" for top-level tasks only).
    A page costs a constant number of queries: units and assignees are prefetched.
    """
    today = _today(today)
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "", [], False)}
    tasks = tasks_visible(user)
    if view == "my":
        tasks = tasks.filter(_my_q(user))
    elif view == "unit":
        if unit is not None:
            tasks = tasks.filter(_unit_q(unit))
        else:
            parts = TaskUnit.objects.filter(unit_id__in=_my_unit_ids(user)).values("task_id")
            tasks = tasks.filter(pk__in=parts)
    elif view == "plan":
        if plan is None:
            raise ValueError("the plan view needs a plan")
    elif view != "all":
        raise ValueError(f"unknown view {view!r}")
    if plan is not None:
        tasks = tasks.filter(plan=plan)
    filter_unit = _resolve_unit(filters.get("unit"))
    role = filters.get("role", "")
    if filter_unit is not None:
        tasks = tasks.filter(_unit_q(filter_unit, role=role))
    elif role:
        base = unit if unit is not None else None
        if base is not None:
            tasks = tasks.filter(_unit_q(base, role=role))
        else:
            parts = TaskUnit.objects.filter(unit_id__in=_my_unit_ids(user), role=role).values("task_id")
            tasks = tasks.filter(pk__in=parts)
    if filters.get("area"):
        tasks = tasks.filter(_area_q(filters["area"]))
    status = filters.get("status", "")
    if status == OVERDUE or filters.get("overdue"):
        tasks = tasks.filter(overdue_q(today))
    if status and status != OVERDUE:
        tasks = tasks.filter(status=status)
    if filters.get("due_this_week"):
        monday = today - dt.timedelta(days=today.weekday())
        tasks = tasks.filter(due_date__gte=monday, due_date__lte=monday + dt.timedelta(days=6))
    if filters.get("assignee"):
        tasks = tasks.filter(pk__in=TaskAssignee.objects.filter(user_id=filters["assignee"]).values("task_id"))
    if filters.get("parent") == "none":
        tasks = tasks.filter(parent__isnull=True)
    words = str(filters.get("q", "")).strip()
    if words:
        tasks = tasks.filter(Q(title__icontains=words) | Q(number__iexact=words) | Q(description__icontains=words))
    return _list_related(tasks).annotate(display_status=display_status_case(today)).order_by("due_date", "pk")


def _resolve_unit(value: Any) -> Unit | None:
    if value in (None, ""):
        return None
    if isinstance(value, Unit):
        return value
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        found = Unit.objects.filter(pk=int(value)).first()
        if found is not None:
            return found
    found = Unit.objects.filter(code=str(value).strip(), valid_to__isnull=True).first()
    # An unknown unit filters everything out rather than being silently ignored.
    return found or Unit(pk=0, path="~", kind=Unit.Kind.OTHER)


def plan_list(*, user: Any, year: int | None = None, today: dt.date | None = None) -> QuerySet[Plan]:
    """Return the visible plans, newest year first, with counts of their tasks (total, confirmed, overdue)."""
    today = _today(today)
    plans = plans_visible(user)
    if year:
        plans = plans.filter(year=year)
    return (
        plans.select_related("owner_unit", "agreement")
        .annotate(
            task_count=Count("tasks", distinct=True),
            confirmed_count=Count("tasks", filter=Q(tasks__status=S.CONFIRMED), distinct=True),
            overdue_count=Count("tasks", filter=overdue_q(today, "tasks__"), distinct=True),
        )
        .order_by("-year", "title", "pk")
    )


def plan_tasks_tree(*, user: Any, plan: Plan, today: dt.date | None = None) -> list[tuple[Task, int]]:
    """Return a plan's visible tasks in outline order with their depth (for an indented list)."""
    tasks = list(task_list(user=user, view="plan", plan=plan, today=today))
    by_parent: dict[int | None, list[Task]] = {}
    ids = {t.pk for t in tasks}
    for task in tasks:
        parent = task.parent_id if task.parent_id in ids else None
        by_parent.setdefault(parent, []).append(task)
    out: list[tuple[Task, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for task in sorted(by_parent.get(parent, []), key=lambda t: (_number_key(t.number), t.due_date, t.pk)):
            out.append((task, depth))
            walk(task.pk, depth + 1)

    walk(None, 0)
    return out


def _number_key(number: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in number.split(".")) if number else (10**6,)
    except ValueError:
        return (10**6,)


@dataclass
class HistoryEntry:
    at: dt.datetime
    update: TaskUpdate | None = None
    event: AuditEvent | None = None

    @property
    def actor_label(self) -> str:
        if self.update is not None:
            return self.update.author.get_full_name()
        return self.event.actor_label if self.event is not None else ""


def task_history(task: Task) -> list[HistoryEntry]:
    """Return the task's timeline (updates, comments, directions) and its audit events, oldest first.

    The task was accessed already. Status changes appear once: as their timeline entry.
    """
    updates = list(
        TaskUpdate.objects.filter(task=task).select_related("author", "unit").prefetch_related("mentions__user")
    )
    shown_in_timeline = {"task.comment", "task.update", "task.direction"}
    if any(u.kind == TaskUpdate.Kind.STATUS for u in updates):
        shown_in_timeline |= {
            "task.started",
            "task.submitted",
            "task.confirmed",
            "task.returned",
            "task.blocked",
            "task.unblocked",
            "task.cancelled",
        }
    events = AuditEvent.objects.filter(target_type="tasks.task", target_id=str(task.pk)).exclude(
        verb__in=shown_in_timeline
    )
    entries = [HistoryEntry(at=u.created_at, update=u) for u in updates]
    entries += [HistoryEntry(at=e.at, event=e) for e in events.order_by("id")]
    # At the same instant the audit event (the act) comes before the words about it.
    return sorted(entries, key=lambda e: (e.at, e.event is None))


# --- Board and calendar -----------------------------------------------------------------------


@dataclass
class BoardColumn:
    status: str
    label: Any
    tasks: list[Task] = field(default_factory=list)


BOARD_ORDER = (S.NEW, S.IN_PROGRESS, S.BLOCKED, S.RETURNED, S.SUBMITTED, S.CONFIRMED, S.CANCELLED)


def board_columns(tasks: Iterable[Task]) -> list[BoardColumn]:
    """Group tasks into one column per stored status, in working order (a board by status)."""
    labels = dict(S.choices)
    columns = {status: BoardColumn(status=status, label=labels[status]) for status in BOARD_ORDER}
    for task in tasks:
        columns[task.status].tasks.append(task)
    return list(columns.values())


@dataclass
class CalendarDay:
    date: dt.date
    in_month: bool
    tasks: list[Task] = field(default_factory=list)


def _month(month: Any) -> dt.date:
    if isinstance(month, dt.date):
        return month.replace(day=1)
    year, number = str(month).split("-")[:2]
    return dt.date(int(year), int(number), 1)


def calendar_month(tasks: QuerySet[Task] | Iterable[Task], month: Any) -> list[list[CalendarDay]]:
    """Return the weeks (Monday first) of a month, each day with the tasks due on it.

    `month` is a date in the month or "YYYY-MM". A queryset is narrowed to the weeks shown.
    """
    first = _month(month)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start, end = weeks[0][0], weeks[-1][-1]
    if isinstance(tasks, QuerySet):
        tasks = tasks.filter(due_date__gte=start, due_date__lte=end)
    by_day: dict[dt.date, list[Task]] = {}
    for task in tasks:
        by_day.setdefault(task.due_date, []).append(task)
    return [[CalendarDay(day, day.month == first.month, by_day.get(day, [])) for day in week] for week in weeks]


# --- Contract selectors (insights, calendar feeds) --------------------------------------------


def _dated(tasks: QuerySet[Task], date_from: dt.date | None, date_to: dt.date | None) -> QuerySet[Task]:
    if date_from:
        tasks = tasks.filter(due_date__gte=date_from)
    if date_to:
        tasks = tasks.filter(due_date__lte=date_to)
    return tasks


def task_compliance(
    *,
    user: Any,
    unit: Unit | None = None,
    area: Any = None,
    plan: Plan | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    today: dt.date | None = None,
) -> Compliance:
    """Count the visible tasks due in the range by on-time status, in one query.

    `unit` = the lead unit (its subtree when it is a territory); see the module docstring.
    """
    today = _today(today)
    tasks = _dated(tasks_visible(user), date_from, date_to)
    if unit is not None:
        tasks = tasks.filter(_lead_q(unit))
    if area not in (None, ""):
        tasks = tasks.filter(_area_q(area))
    if plan is not None:
        tasks = tasks.filter(plan=plan)
    return Compliance.from_counts(tasks.aggregate(**_count_aggregates(today)))


def task_compliance_by(
    *,
    user: Any,
    by: str,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    today: dt.date | None = None,
) -> dict[int, Compliance]:
    """Return {lead unit pk | area pk: Compliance} for the visible tasks due in the range, in one query."""
    if by not in ("unit", "area"):
        raise ValueError(f"unknown grouping {by!r}")
    today = _today(today)
    column = "lead_unit" if by == "unit" else "area"
    rows = (
        _dated(tasks_visible(user), date_from, date_to)
        .filter(**{f"{column}__isnull": False})
        .values(column)
        .annotate(**_count_aggregates(today))
        .order_by()
    )
    return {row.pop(column): Compliance.from_counts(row) for row in rows}


@dataclass(frozen=True)
class RateRow:
    label: str
    compliance: Compliance
    unit: Unit | None = None
    area: Area | None = None

    def __iter__(self):  # (label, compliance), as the page unpacks it
        return iter((self.label, self.compliance))


def task_rates_table(
    *,
    user: Any,
    by: str,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    today: dt.date | None = None,
) -> list[RateRow]:
    """Return the on-time rows of a rates page: one per lead unit (tree order) or area (list order).

    Each row unpacks as (label, Compliance) and also carries its unit or area for links.
    """
    counts = task_compliance_by(user=user, by=by, date_from=date_from, date_to=date_to, today=today)
    if by == "unit":
        units = Unit.objects.filter(pk__in=counts).order_by("path")
        return [RateRow(label=u.name, compliance=counts[u.pk], unit=u) for u in units]
    areas = Area.objects.filter(pk__in=counts).order_by("order", "name")
    return [RateRow(label=a.name, compliance=counts[a.pk], area=a) for a in areas]


def overdue_tasks(*, user: Any, unit: Unit | None = None, today: dt.date | None = None) -> QuerySet[Task]:
    """Return the visible tasks past due and still owed, oldest due first; `unit` = lead unit (subtree if territory)."""
    today = _today(today)
    tasks = tasks_visible(user).filter(overdue_q(today))
    if unit is not None:
        tasks = tasks.filter(_lead_q(unit))
    return tasks.select_related("lead_unit", "plan", "area").order_by("due_date", "pk")


def dated_tasks(
    *,
    user: Any = None,
    units: Iterable[Unit] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Task]:
    """Return tasks due in the range for calendar feeds: the person's visible tasks, or those of `units`.

    With `units`, a task counts when one of them is its lead or co-operating unit (the feed's
    owner was authorised by its secret token). Cancelled tasks are left out.
    """
    if units is not None:
        ids = [u.pk for u in units]
        parts = TaskUnit.objects.filter(unit_id__in=ids).exclude(role=TaskUnit.Role.OBSERVER).values("task_id")
        tasks = Task.objects.filter(pk__in=parts)
    elif user is not None:
        tasks = tasks_visible(user)
    else:
        raise ValueError("dated_tasks needs a user or units")
    return (
        _dated(tasks, date_from, date_to)
        .exclude(status=S.CANCELLED)
        .select_related("lead_unit", "plan")
        .order_by("due_date", "pk")
    )


def units_of_user(user: Any) -> QuerySet[Unit]:
    """The units the person holds an open membership of (for "my unit's tasks" pickers)."""
    return Unit.objects.filter(
        pk__in=Membership.objects.filter(user=user, ended_on__isnull=True).values("unit_id")
    ).order_by("path")
