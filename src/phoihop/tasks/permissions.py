"""Who may see and change plans and tasks — on top of orgs.access.

Visibility: a task is visible to a person whose scope reaches any of its units (lead,
co-operating, observer) or the owner unit of its plan; a plan is visible through its owner
unit or through any task of it the person sees. Outside the scope: 404 (other units' ids do
not leak); visible but not allowed: 403.

Changes:
- editing a task (dates, units, checklist, start, submit, block): officer+ of the lead unit or
  of the plan's owner unit;
- confirming, returning and cancelling: leader+ of the lead unit or of the plan's owner unit,
  or the person who assigned it (Regulation 194 practice: whoever gives the work accepts it);
- a unit's own part: officer+ of that unit (or of the lead unit, which answers for the task);
- comments: officer+ of any unit of the task or of the plan owner; directions: leader+ of any
  unit of the task (or a unit above it) or of the plan owner.
The services call these checks too, so the API and the web cannot differ.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit
from phoihop.tasks.models import Plan, Task, TaskUnit

TaskAction = Literal["view", "edit", "confirm", "comment"]
PlanAction = Literal["view", "edit"]


def _anonymous(user: Any) -> bool:
    return user is None or not user.is_authenticated or not user.is_active


def _task_q(user: Any) -> Q | None:
    """Return the filter on Task for what the person sees; None means everything."""
    plan_owner = access.scope_q(user, via="plan__owner_unit")
    if plan_owner is None:
        return None
    # A subquery rather than a join through the units: no repeated rows, so no DISTINCT.
    part_of = access.scope_queryset(TaskUnit.objects.all(), user, via="unit").values("task_id")
    return Q(pk__in=part_of) | (Q(plan__isnull=False) & plan_owner)


def tasks_visible(user: Any) -> QuerySet[Task]:
    """Return the tasks the person may see (the scope of every list of tasks)."""
    if _anonymous(user):
        return Task.objects.none()
    condition = _task_q(user)
    return Task.objects.all() if condition is None else Task.objects.filter(condition)


def plans_visible(user: Any) -> QuerySet[Plan]:
    """Return the plans the person may see: those of their units, and those holding a task they see."""
    if _anonymous(user):
        return Plan.objects.none()
    owner = access.scope_q(user, via="owner_unit")
    if owner is None:
        return Plan.objects.all()
    with_task = tasks_visible(user).filter(plan__isnull=False).values("plan_id")
    return Plan.objects.filter(owner | Q(pk__in=with_task))


def _task_units(task: Task) -> list[Unit]:
    """The task's units, lead first (uses a prefetch of `units__unit` when there is one)."""
    parts = sorted(task.units.all(), key=lambda p: (p.role != TaskUnit.Role.LEAD, p.pk or 0))
    return [p.unit for p in parts]


def _plan_owner(task: Task) -> Unit | None:
    return task.plan.owner_unit if task.plan_id else None


def can_edit_plan(user: Any, plan: Plan) -> bool:
    """Officer or above on the owner unit: edit the plan and add tasks to it."""
    return access.can(user, plan.owner_unit, Role.OFFICER)


def can_edit_task(user: Any, task: Task) -> bool:
    """Officer or above of the lead unit or of the plan's owner unit."""
    if access.can(user, task.lead_unit, Role.OFFICER):
        return True
    owner = _plan_owner(task)
    return owner is not None and access.can(user, owner, Role.OFFICER)


def can_confirm(user: Any, task: Task) -> bool:
    """Leader or above of the lead unit or of the plan's owner unit, or the person who assigned the task."""
    if user is not None and task.assigner_id is not None and task.assigner_id == user.pk and user.is_active:
        return True
    if access.can(user, task.lead_unit, Role.LEADER):
        return True
    owner = _plan_owner(task)
    return owner is not None and access.can(user, owner, Role.LEADER)


def can_update_part(user: Any, task: Task, unit: Unit) -> bool:
    """Officer or above of that unit; the lead unit's officers answer for every part too."""
    return access.can(user, unit, Role.OFFICER) or access.can(user, task.lead_unit, Role.OFFICER)


def can_comment(user: Any, task: Task) -> bool:
    """Officer or above of any unit of the task or of the plan's owner unit (viewers only read)."""
    units = [*_task_units(task), _plan_owner(task)]
    return any(access.can(user, unit, Role.OFFICER) for unit in units if unit is not None)


def can_direct(user: Any, task: Task) -> bool:
    """Leader or above of any unit of the task, of a unit above one, or of the plan's owner unit."""
    units = [*_task_units(task), _plan_owner(task)]
    return any(access.can(user, unit, Role.LEADER) for unit in units if unit is not None)


def can_act_on_task(user: Any, task: Task) -> bool:
    """Edit rights, or being one of the people assigned to it (start, submit, tick the checklist)."""
    if can_edit_task(user, task):
        return True
    return user is not None and any(a.user_id == user.pk for a in task.assignees.all())


def access_task(user: Any, pk: Any, *, action: TaskAction = "view") -> Task:
    """Fetch a task the person may see (404 otherwise) and check the action (403)."""
    checks = {"view": None, "edit": can_edit_task, "confirm": can_confirm, "comment": can_comment}
    if action not in checks:
        raise ValueError(f"unknown action {action!r}")
    try:
        task = (
            tasks_visible(user)
            .select_related("plan__owner_unit", "parent", "lead_unit", "area", "assigner", "occurrence")
            .get(pk=pk)
        )
    except (Task.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    check = checks[action]
    if check is not None and not check(user, task):
        raise PermissionDenied
    return task


def access_plan(user: Any, pk: Any, *, action: PlanAction = "view") -> Plan:
    """Fetch a plan the person may see (404 otherwise); "edit" needs an officer of its owner unit (403)."""
    if action not in ("view", "edit"):
        raise ValueError(f"unknown action {action!r}")
    try:
        plan = plans_visible(user).select_related("owner_unit", "agreement").get(pk=pk)
    except (Plan.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if action == "edit" and not can_edit_plan(user, plan):
        raise PermissionDenied
    return plan
