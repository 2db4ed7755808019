"""Every change of state of plans, tasks, their parts, checklists, timelines and saved filters.

Each service is keyword-only with the acting person first, checks the person's right through
tasks.permissions (PermissionDenied → 403), validates meaning, writes in one transaction with
an audit event and tells the people concerned through notify(). Bad input raises ValidationError
keyed by field with English source text (the catalogue gives the Vietnamese); nothing is saved.
`actor=None` is the system (imports by operators, signal handlers): no permission check.

Status flow of a task:

    new ─start→ in_progress ─submit→ submitted ─confirm→ confirmed
     │              │   ↑                │
     │            block unblock        return → returned ─start/submit→ …
     └──────── cancel (from any state but confirmed/cancelled) → cancelled

`completed_on` is the day the work was submitted as done; it is what "on time" counts and it
is kept when the task is confirmed (a leader's slow confirmation does not make the unit late).
Returning clears it.

Progress: a task with subtasks or co-operating parts takes the average (or the average weighted
by `weight`) of its non-cancelled subtasks, its co-operating parts and — when no subtasks break
its work down — the lead unit's own part; otherwise the lead part's progress is its own.
A confirmed task is at 100. Every change is carried up the parent chain.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from phoihop.agreements import services as agreement_services
from phoihop.agreements.models import Area, Evidence, Occurrence
from phoihop.core.audit import audit_record, created, diff, snapshot
from phoihop.notify.models import Kind
from phoihop.notify.recipients import leaders_above, leaders_of, people_of
from phoihop.notify.services import notify
from phoihop.orgs import access
from phoihop.orgs.models import Membership, Role, Unit, User
from phoihop.tasks import permissions
from phoihop.tasks.models import ChecklistItem, Mention, Plan, SavedFilter, Task, TaskAssignee, TaskUnit, TaskUpdate

S = Task.Status
R = TaskUnit.Role

PLAN_FIELDS = ("title", "kind", "year", "owner_unit", "agreement", "description", "status")
TASK_FIELDS = (
    "plan",
    "parent",
    "number",
    "title",
    "description",
    "area",
    "lead_unit",
    "priority",
    "start_date",
    "due_date",
    "status",
    "progress",
    "progress_mode",
    "weight",
    "assigner",
    "occurrence",
    "source",
)
EDITABLE_TASK_FIELDS = (
    "title",
    "description",
    "area",
    "priority",
    "start_date",
    "due_date",
    "parent",
    "number",
    "weight",
    "progress_mode",
    "lead_unit",
    "cooperating_units",
    "observer_units",
)

# Which status each transition may start from.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "start": (S.NEW, S.RETURNED),
    "submit": (S.NEW, S.IN_PROGRESS, S.RETURNED),
    "confirm": (S.SUBMITTED,),
    "return": (S.SUBMITTED,),
    "block": (S.NEW, S.IN_PROGRESS, S.RETURNED),
    "unblock": (S.BLOCKED,),
    "cancel": (S.NEW, S.IN_PROGRESS, S.SUBMITTED, S.RETURNED, S.BLOCKED),
}

# "@username": Django usernames allow letters, digits and @.+-_; a final dot ends the sentence.
MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]+)")


def _today() -> dt.date:
    return timezone.localdate()


def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _require(allowed: bool, actor: Any) -> None:
    # actor=None is the system itself (an operator's import, a signal handler): always allowed.
    if actor is not None and not allowed:
        raise PermissionDenied


def _key(obj: Any) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def _text(value: Any) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()


# --- Plans ------------------------------------------------------------------------------------


def _check_plan(plan: Plan) -> None:
    if not plan.title:
        raise ValidationError({"title": _("Enter the title of the plan.")})
    if plan.kind not in Plan.Kind.values:
        raise ValidationError({"kind": _("Choose whether it is a programme or a plan.")})
    if not plan.year or not 1990 <= int(plan.year) <= 2100:
        raise ValidationError({"year": _("Enter the year of the plan (1990–2100).")})
    if plan.status not in Plan.Status.values:
        raise ValidationError({"status": _("Unknown status of a plan: %(status)s.") % {"status": plan.status}})


@transaction.atomic
def plan_create(
    *,
    actor: Any,
    owner_unit: Unit,
    title: str,
    year: int,
    kind: str,
    agreement: Any = None,
    description: str = "",
    status: str = Plan.Status.ACTIVE,
) -> Plan:
    """Adopt a year's coordination programme or plan of a unit (officer+ of that unit)."""
    if owner_unit is None:
        raise ValidationError({"owner_unit": _("Choose the unit that owns the plan.")})
    _require(access.can(actor, owner_unit, Role.OFFICER), actor)
    plan = Plan(
        owner_unit=owner_unit,
        title=_text(title),
        year=year,
        kind=kind,
        agreement=agreement,
        description=description or "",
        status=status,
        province_code=owner_unit.province_code,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _check_plan(plan)
    plan.full_clean()
    plan.save()
    audit_record(actor=actor, verb="plan.created", target=plan, unit=owner_unit, changes=created(plan, PLAN_FIELDS))
    return plan


@transaction.atomic
def plan_update(*, actor: Any, plan: Plan, **fields: Any) -> Plan:
    """Change a plan's title, kind, year, agreement, description or status (officer+ of its owner unit).

    The owner unit does not change: a plan handed to another body is a new plan of that body.
    """
    unknown = set(fields) - {"title", "kind", "year", "agreement", "description", "status"}
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    _require(permissions.can_edit_plan(actor, plan), actor)
    before = snapshot(plan, PLAN_FIELDS)
    for name, value in fields.items():
        setattr(plan, name, value.strip() if isinstance(value, str) and name != "description" else value)
    _check_plan(plan)
    plan.full_clean()
    changes = diff(before, snapshot(plan, PLAN_FIELDS))
    if changes:
        plan.save(update_fields=[*changes, "updated_at"])
        audit_record(actor=actor, verb="plan.updated", target=plan, unit=plan.owner_unit, changes=changes)
    return plan


@transaction.atomic
def plan_close(*, actor: Any, plan: Plan, note: str = "") -> Plan:
    """Close a plan at the end of its year; its open tasks stay open and counted until they end."""
    if plan.status == Plan.Status.CLOSED:
        raise ValidationError({"status": _("This plan is already closed.")})
    _require(permissions.can_edit_plan(actor, plan), actor)
    before = snapshot(plan, PLAN_FIELDS)
    plan.status = Plan.Status.CLOSED
    plan.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        verb="plan.closed",
        target=plan,
        unit=plan.owner_unit,
        changes=diff(before, snapshot(plan, PLAN_FIELDS)),
        note=_text(note),
    )
    return plan


# --- Checks shared by create and update -------------------------------------------------------


def _unit_list(values: Iterable[Unit] | None) -> list[Unit]:
    seen: dict[int, Unit] = {}
    for unit in values or ():
        if unit is not None:
            seen.setdefault(unit.pk, unit)
    return list(seen.values())


def _check_dates(start_date: dt.date | None, due_date: dt.date | None) -> None:
    if due_date is None:
        raise ValidationError({"due_date": _("Enter the due date.")})
    if start_date is not None and due_date < start_date:
        raise ValidationError(
            {
                "due_date": _("The due date (%(due)s) cannot be before the start date (%(start)s).")
                % {"due": _fmt(due_date), "start": _fmt(start_date)}
            }
        )


def _check_units(lead_unit: Unit | None, cooperating: list[Unit], observers: list[Unit]) -> None:
    if lead_unit is None:
        raise ValidationError({"lead_unit": _("Choose the lead unit.")})
    for field, units in (("cooperating_units", cooperating), ("observer_units", observers)):
        for unit in units:
            if unit.pk == lead_unit.pk:
                raise ValidationError(
                    {field: _("%(unit)s is the lead unit; it cannot also co-operate or observe.") % {"unit": unit.name}}
                )
    both = {u.pk for u in cooperating} & {u.pk for u in observers}
    if both:
        names = ", ".join(u.name for u in observers if u.pk in both)
        raise ValidationError({"observer_units": _("%(units)s cannot both co-operate and observe.") % {"units": names}})


def _check_parent(task: Task, parent: Task | None) -> None:
    """Refuse a parent that is the task itself or one of its subtasks (a cycle)."""
    seen: set[int] = set()
    node = parent
    while node is not None and node.pk not in seen:
        if task.pk is not None and node.pk == task.pk:
            raise ValidationError({"parent": _("A task cannot be placed under itself or one of its own subtasks.")})
        seen.add(node.pk)
        node = node.parent


def _check_area(area: Any) -> Area | None:
    if area in (None, ""):
        return None
    if not isinstance(area, Area):
        found = (
            Area.objects.filter(pk=area).first() if isinstance(area, int) else Area.objects.filter(code=area).first()
        )
        if found is None:
            raise ValidationError({"area": _("Unknown content area: %(area)s.") % {"area": area}})
        area = found
    if not area.is_active:
        raise ValidationError({"area": _("The content area %(area)s is no longer in use.") % {"area": area.name}})
    return area


def _check_open(task: Task) -> None:
    if task.status in Task.CLOSED_STATUSES:
        raise ValidationError(_("This task is confirmed or cancelled; it can no longer be changed."))


def _next_number(plan: Plan | None, parent: Task | None) -> str:
    """Number a new task after its siblings: "3" in a plan, "3.2" under task 3."""
    if parent is not None:
        if not parent.number:
            return ""
        return f"{parent.number}.{Task.objects.filter(parent=parent).count() + 1}"
    if plan is None:
        return ""
    return str(Task.objects.filter(plan=plan, parent__isnull=True).count() + 1)


def _may_create(actor: Any, *, lead_unit: Unit, plan: Plan | None, parent: Task | None, source: str) -> bool:
    # A task made from another module's record ("meetings.conclusion:7") was authorised by that
    # module's own access check on its record: the meeting's host assigns work to other bodies.
    if ":" in source:
        return True
    if access.can(actor, lead_unit, Role.OFFICER):
        return True
    if plan is not None and permissions.can_edit_plan(actor, plan):
        return True
    return parent is not None and permissions.can_edit_task(actor, parent)


# --- Notifications ----------------------------------------------------------------------------


def _assignees_of(task: Task, unit: Unit) -> list[User]:
    return [a.user for a in task.assignees.select_related("user").filter(unit=unit)]


def _doers(task: Task, units: Iterable[Unit]) -> list[User]:
    """The people who do the work of those units: the assignees there, else the unit's officers."""
    people: list[User] = []
    for unit in units:
        people.extend(_assignees_of(task, unit) or people_of(unit))
    return people


def _tell(
    task: Task, *, actor: Any, recipients: Iterable[User], kind: str, title: Any, body: Any = "", key: str = ""
) -> None:
    notify(
        recipients=recipients,
        kind=kind,
        title=title,
        body=body,
        url=task.get_absolute_url(),
        unit=task.lead_unit,
        target=_key(task),
        key=key,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _confirmers(task: Task) -> list[User]:
    """Who decides on submitted work: the assigner and the lead unit's leaders."""
    people = [task.assigner] if task.assigner_id else []
    return [*people, *leaders_of(task.lead_unit)]


# --- Tasks ------------------------------------------------------------------------------------


def _sync_units(task: Task, role: str, units: list[Unit]) -> dict[str, list[str]]:
    """Make the task's units of one role exactly `units`; return the codes added and removed."""
    current = {p.unit_id: p for p in task.units.filter(role=role).select_related("unit")}
    wanted = {u.pk: u for u in units}
    removed = [p for pk, p in current.items() if pk not in wanted]
    for part in removed:
        TaskAssignee.objects.filter(task=task, unit_id=part.unit_id).delete()
        part.delete()
    added = [u for pk, u in wanted.items() if pk not in current]
    # A unit moving between co-operating and observing keeps one row (unique per task and unit).
    TaskUnit.objects.filter(task=task, unit__in=added).exclude(role=R.LEAD).delete()
    TaskUnit.objects.bulk_create([TaskUnit(task=task, unit=u, role=role) for u in added])
    return {"added": [u.code for u in added], "removed": [p.unit.code for p in removed]}


def _resolve_assignees(task: Task, users: Iterable[Any], *, unit: Unit | None = None) -> list[tuple[Unit, User]]:
    """Pair each person with the unit of the task they work for; refuse people of no such unit."""
    parts = list(task.units.exclude(role=R.OBSERVER).select_related("unit"))
    if unit is not None:
        parts = [p for p in parts if p.unit_id == unit.pk]
    pairs: list[tuple[Unit, User]] = []
    for user in users:
        paths = list(Membership.objects.filter(user=user, ended_on__isnull=True).values_list("unit__path", flat=True))
        # A person of a unit or of one of its own units (a department's officer under the UBND).
        home = next((p.unit for p in parts if any(path.startswith(p.unit.path) for path in paths)), None)
        if home is None or not user.is_active:
            where = unit.name if unit is not None else ", ".join(p.unit.name for p in parts)
            raise ValidationError(
                {
                    "assignees": _("%(person)s is not a member of %(units)s.")
                    % {"person": user.get_full_name(), "units": where}
                }
            )
        pairs.append((home, user))
    return pairs


def _record_status(task: Task, actor: Any, before: str, text: str = "", unit: Unit | None = None) -> None:
    """Put the status change on the task's timeline (the audit trail has it too)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return
    TaskUpdate.objects.create(
        task=task,
        kind=TaskUpdate.Kind.STATUS,
        author=actor,
        unit=unit,
        text=text,
        status_from=before,
        status_to=task.status,
    )


@transaction.atomic
def task_create(
    *,
    actor: Any,
    title: str,
    lead_unit: Unit,
    due_date: dt.date,
    plan: Plan | None = None,
    parent: Task | None = None,
    cooperating_units: Iterable[Unit] = (),
    observer_units: Iterable[Unit] = (),
    start_date: dt.date | None = None,
    priority: str = Task.Priority.NORMAL,
    area: Any = None,
    description: str = "",
    assignees: Iterable[Any] = (),
    checklist: Iterable[str] = (),
    occurrence: Occurrence | None = None,
    source: str = "",
    number: str = "",
    weight: int = 1,
    progress_mode: str = Task.ProgressMode.AVERAGE,
) -> Task:
    """Assign a task to a lead unit, with co-operating and observing units, people and a checklist.

    The actor becomes its assigner (who may confirm it). The units' officers (or the people
    assigned there) are told. A subtask belongs to its parent's plan.
    """
    cooperating = _unit_list(cooperating_units)
    observers = _unit_list(observer_units)
    title = _text(title)
    source = _text(source)
    if not title:
        raise ValidationError({"title": _("Enter the title of the task.")})
    _check_dates(start_date, due_date)
    _check_units(lead_unit, cooperating, observers)
    if parent is not None:
        if plan is None:
            plan = parent.plan
        elif parent.plan_id != plan.pk:
            raise ValidationError({"parent": _("The parent task belongs to another plan.")})
        if parent.status in Task.CLOSED_STATUSES:
            raise ValidationError({"parent": _("The parent task is already closed; subtasks cannot be added.")})
    if plan is not None and plan.status == Plan.Status.CLOSED:
        raise ValidationError({"plan": _("The plan is closed; tasks can no longer be added to it.")})
    if priority not in Task.Priority.values:
        raise ValidationError({"priority": _("Unknown priority: %(priority)s.") % {"priority": priority}})
    _require(_may_create(actor, lead_unit=lead_unit, plan=plan, parent=parent, source=source), actor)
    person = actor if getattr(actor, "is_authenticated", False) else None
    task = Task(
        plan=plan,
        parent=parent,
        number=_text(number) or _next_number(plan, parent),
        title=title,
        description=description or "",
        area=_check_area(area),
        lead_unit=lead_unit,
        priority=priority,
        start_date=start_date,
        due_date=due_date,
        weight=weight,
        progress_mode=progress_mode,
        assigner=person,
        created_by=person,
        province_code=lead_unit.province_code,
        source=source,
    )
    task.full_clean(validate_constraints=False)
    task.save()
    TaskUnit.objects.create(task=task, unit=lead_unit, role=R.LEAD)
    TaskUnit.objects.bulk_create(
        [TaskUnit(task=task, unit=u, role=R.COOPERATING) for u in cooperating]
        + [TaskUnit(task=task, unit=u, role=R.OBSERVER) for u in observers]
    )
    pairs = _resolve_assignees(task, assignees)
    TaskAssignee.objects.bulk_create([TaskAssignee(task=task, unit=u, user=p) for u, p in pairs])
    items = [_text(t) for t in checklist if _text(t)]
    ChecklistItem.objects.bulk_create([ChecklistItem(task=task, text=t[:500], order=i) for i, t in enumerate(items)])
    changes = created(task, TASK_FIELDS)
    changes["cooperating_units"] = [None, [u.code for u in cooperating]]
    changes["observer_units"] = [None, [u.code for u in observers]]
    changes["assignees"] = [None, [p.get_username() for _u, p in pairs]]
    audit_record(actor=actor, verb="task.created", target=task, unit=lead_unit, changes=changes)
    if occurrence is not None:
        _link_occurrence(actor=actor, task=task, occurrence=occurrence)
    _recompute(task)
    _tell(
        task,
        actor=actor,
        recipients=_doers(task, [lead_unit, *cooperating]),
        kind=Kind.ASSIGNED,
        title=format_lazy(gettext_lazy("New task for your unit: “{title}”"), title=task.title),
        body=format_lazy(gettext_lazy("Due on {due}."), due=_fmt(task.due_date)),
        key=f"{_key(task)}:assigned",
    )
    return task


@transaction.atomic
def task_update(*, actor: Any, task: Task, **fields: Any) -> Task:
    """Change a task's dates, wording, priority, area, parent, weight or units (edit right).

    `cooperating_units=` and `observer_units=` replace those lists; a unit dropped from the task
    loses its assignees there. Newly added co-operating units are told.
    """
    unknown = set(fields) - set(EDITABLE_TASK_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    _require(permissions.can_edit_task(actor, task), actor)
    _check_open(task)
    before = snapshot(task, TASK_FIELDS)
    cooperating = _unit_list(fields.pop("cooperating_units")) if "cooperating_units" in fields else None
    observers = _unit_list(fields.pop("observer_units")) if "observer_units" in fields else None
    old_parent = task.parent
    for name, value in fields.items():
        if name == "area":
            value = _check_area(value)
        elif isinstance(value, str) and name != "description":
            value = value.strip()
        setattr(task, name, value)
    if not task.title:
        raise ValidationError({"title": _("Enter the title of the task.")})
    if task.priority not in Task.Priority.values:
        raise ValidationError({"priority": _("Unknown priority: %(priority)s.") % {"priority": task.priority}})
    _check_dates(task.start_date, task.due_date)
    current = {role: [p.unit for p in task.units.filter(role=role).select_related("unit")] for role in R.values}
    _check_units(
        task.lead_unit,
        cooperating if cooperating is not None else current[R.COOPERATING],
        observers if observers is not None else current[R.OBSERVER],
    )
    if "parent" in fields:
        _check_parent(task, task.parent)
        if task.parent is not None and task.parent.plan_id != task.plan_id:
            raise ValidationError({"parent": _("The parent task belongs to another plan.")})
    task.full_clean(validate_constraints=False)
    changes = diff(before, snapshot(task, TASK_FIELDS))
    if changes:
        task.save(update_fields=[*changes, "updated_at"])
    if "lead_unit" in changes:
        TaskUnit.objects.filter(task=task, unit=task.lead_unit).exclude(role=R.LEAD).delete()
        TaskUnit.objects.filter(task=task, role=R.LEAD).update(unit=task.lead_unit)
        task.province_code = task.lead_unit.province_code
        task.save(update_fields=["province_code"])
    added: list[Unit] = []
    for role, units in ((R.COOPERATING, cooperating), (R.OBSERVER, observers)):
        if units is None:
            continue
        moved = _sync_units(task, role, units)
        if moved["added"] or moved["removed"]:
            changes[f"{role}_units"] = [moved["removed"], moved["added"]]
        if role == R.COOPERATING:
            added = [u for u in units if u.code in moved["added"]]
    if changes:
        audit_record(actor=actor, verb="task.updated", target=task, unit=task.lead_unit, changes=changes)
    if "parent" in changes or "weight" in changes or "progress_mode" in changes or cooperating is not None:
        _recompute(task)
        if old_parent is not None and old_parent.pk != task.parent_id:
            _recompute(Task.objects.get(pk=old_parent.pk))
    if added:
        _tell(
            task,
            actor=actor,
            recipients=_doers(task, added),
            kind=Kind.ASSIGNED,
            title=format_lazy(gettext_lazy("New task for your unit: “{title}”"), title=task.title),
            body=format_lazy(gettext_lazy("Due on {due}."), due=_fmt(task.due_date)),
        )
    return task


@transaction.atomic
def task_assign(*, actor: Any, task: Task, unit: Unit, users: Iterable[Any]) -> list[TaskAssignee]:
    """Set who works on the task for one of its units (officer+ of that unit or of the lead unit).

    The list replaces the unit's assignees; each person newly assigned is told.
    """
    _require(permissions.can_update_part(actor, task, unit), actor)
    _check_open(task)
    part = task.units.filter(unit=unit).first()
    if part is None or part.role == R.OBSERVER:
        raise ValidationError({"unit": _("%(unit)s does not take part in this task.") % {"unit": unit.name}})
    pairs = _resolve_assignees(task, list(users), unit=unit)
    wanted = {p.pk: p for _u, p in pairs}
    current = {a.user_id: a for a in task.assignees.filter(unit=unit).select_related("user")}
    removed = [a.user.get_username() for pk, a in current.items() if pk not in wanted]
    task.assignees.filter(unit=unit).exclude(user_id__in=wanted).delete()
    new = [p for pk, p in wanted.items() if pk not in current]
    # Someone assigned for another unit of the task moves here (one row per person and task).
    task.assignees.filter(user__in=new).delete()
    TaskAssignee.objects.bulk_create([TaskAssignee(task=task, unit=unit, user=p) for p in new])
    if new or removed:
        audit_record(
            actor=actor,
            verb="task.assigned",
            target=task,
            unit=unit,
            changes={"assignees": [removed, [p.get_username() for p in new]]},
        )
    _tell(
        task,
        actor=actor,
        recipients=new,
        kind=Kind.ASSIGNED,
        title=format_lazy(gettext_lazy("You were assigned the task “{title}”"), title=task.title),
        body=format_lazy(gettext_lazy("Due on {due}."), due=_fmt(task.due_date)),
    )
    return list(task.assignees.filter(unit=unit).select_related("user"))


VERBS = {
    "start": "task.started",
    "submit": "task.submitted",
    "confirm": "task.confirmed",
    "return": "task.returned",
    "block": "task.blocked",
    "unblock": "task.unblocked",
    "cancel": "task.cancelled",
}


def _transition(task: Task, action: str, message_field: str = "status") -> str:
    """Refuse a move the current status does not allow, with one whole sentence per move."""
    if task.status not in TRANSITIONS[action]:
        refusals = {
            "start": _("Only a new or returned task can be started."),
            "submit": _("Only a task that is new, in progress or returned can be submitted as done."),
            "confirm": _("Only a task submitted as done can be confirmed."),
            "return": _("Only a task submitted as done can be returned."),
            "block": _("Only a task that is new, in progress or returned can be marked as blocked."),
            "unblock": _("Only a blocked task can be resumed."),
            "cancel": _("A confirmed or cancelled task cannot be cancelled."),
        }
        raise ValidationError({message_field: refusals[action]})
    return task.status


def _move(
    *,
    actor: Any,
    task: Task,
    action: str,
    allowed: bool,
    status: str,
    note: str = "",
    reason_needed: str = "",
    **values: Any,
) -> str:
    """Apply one status transition: check the right and the current status, save, audit, put it on the timeline.

    `reason_needed` is the message shown when the transition needs a reason and none was given;
    `values` are the other fields the transition sets. Returns the note, stripped.
    """
    _require(allowed, actor)
    status_from = _transition(task, action, "reason" if reason_needed else "status")
    note = _text(note)
    if reason_needed and not note:
        raise ValidationError({"reason": reason_needed})
    watched = (*TASK_FIELDS, *values)
    before = snapshot(task, watched)
    task.status = status
    for name, value in values.items():
        setattr(task, name, value)
    task.save(update_fields=["status", *values, "updated_at"])
    audit_record(
        actor=actor,
        verb=VERBS[action],
        target=task,
        unit=task.lead_unit,
        changes=diff(before, snapshot(task, watched)),
        note=note,
    )
    _record_status(task, actor, status_from, note)
    return note


@transaction.atomic
def task_start(*, actor: Any, task: Task, note: str = "") -> Task:
    """Start work on a new or returned task (edit right or an assignee)."""
    _move(
        actor=actor,
        task=task,
        action="start",
        allowed=permissions.can_act_on_task(actor, task),
        status=S.IN_PROGRESS,
        note=note,
    )
    TaskUnit.objects.filter(task=task, role=R.LEAD, status=TaskUnit.Status.NEW).update(
        status=TaskUnit.Status.IN_PROGRESS
    )
    return task


@transaction.atomic
def task_submit(*, actor: Any, task: Task, note: str = "", completed_on: dt.date | None = None) -> Task:
    """Report the task done (edit right or an assignee); the assigner and the lead's leaders decide.

    `completed_on` (today by default) is the day the work was done, which on-time rates count;
    an earlier day records work reported late into the system, never a day in the future or
    before the task started.
    """
    today = _today()
    completed_on = completed_on or today
    if completed_on > today:
        raise ValidationError({"completed_on": _("The day the work was done cannot be in the future.")})
    if task.start_date is not None and completed_on < task.start_date:
        raise ValidationError(
            {
                "completed_on": _("The day the work was done cannot be before the task started (%(start)s).")
                % {"start": _fmt(task.start_date)}
            }
        )
    note = _move(
        actor=actor,
        task=task,
        action="submit",
        allowed=permissions.can_act_on_task(actor, task),
        status=S.SUBMITTED,
        note=note,
        completed_on=completed_on,
        submitted_at=timezone.now(),
    )
    _tell(
        task,
        actor=actor,
        recipients=_confirmers(task),
        kind=Kind.SUBMITTED,
        title=format_lazy(gettext_lazy("Task “{title}” was submitted as done"), title=task.title),
        body=note,
    )
    return task


@transaction.atomic
def task_confirm(*, actor: Any, task: Task, note: str = "") -> Task:
    """Accept submitted work (leaders of the lead unit or plan owner, or the assigner): the task ends at 100%.

    A linked duty occurrence is completed through the agreements service on the day the work
    was submitted, so the duty and the task count on time alike.
    """
    note = _move(
        actor=actor,
        task=task,
        action="confirm",
        allowed=permissions.can_confirm(actor, task),
        status=S.CONFIRMED,
        note=note,
        confirmed_at=timezone.now(),
        confirmed_by=actor if getattr(actor, "is_authenticated", False) else None,
        completed_on=task.completed_on or _today(),
        progress=100,
    )
    if task.occurrence_id:
        occurrence = Occurrence.objects.select_related("obligation__agreement").get(pk=task.occurrence_id)
        if occurrence.state == Occurrence.State.OPEN:
            agreement_services.occurrence_complete(actor=actor, occurrence=occurrence, completed_on=task.completed_on)
    _carry_up(task)
    _tell(
        task,
        actor=actor,
        recipients=_doers(task, [task.lead_unit]),
        kind=Kind.CONFIRMED,
        title=format_lazy(gettext_lazy("Task “{title}” was confirmed as done"), title=task.title),
        body=note,
    )
    return task


@transaction.atomic
def task_return(*, actor: Any, task: Task, reason: str) -> Task:
    """Send submitted work back with a reason (who may confirm); it is no longer counted as done."""
    reason = _move(
        actor=actor,
        task=task,
        action="return",
        allowed=permissions.can_confirm(actor, task),
        status=S.RETURNED,
        note=reason,
        reason_needed=_("Say why the task is returned."),
        completed_on=None,
        submitted_at=None,
    )
    _tell(
        task,
        actor=actor,
        recipients=_doers(task, [task.lead_unit]),
        kind=Kind.RETURNED,
        title=format_lazy(gettext_lazy("Task “{title}” was returned"), title=task.title),
        body=reason,
    )
    return task


@transaction.atomic
def task_block(*, actor: Any, task: Task, reason: str) -> Task:
    """Mark a task blocked with the reason (edit right or an assignee); the assigner is told."""
    reason = _move(
        actor=actor,
        task=task,
        action="block",
        allowed=permissions.can_act_on_task(actor, task),
        status=S.BLOCKED,
        note=reason,
        reason_needed=_("Say what blocks the task."),
        blocked_reason=_text(reason),
    )
    _tell(
        task,
        actor=actor,
        recipients=[task.assigner] if task.assigner_id else leaders_of(task.lead_unit),
        kind=Kind.INFO,
        title=format_lazy(gettext_lazy("Task “{title}” is blocked"), title=task.title),
        body=reason,
    )
    return task


@transaction.atomic
def task_unblock(*, actor: Any, task: Task, note: str = "") -> Task:
    """Resume a blocked task (edit right or an assignee)."""
    _move(
        actor=actor,
        task=task,
        action="unblock",
        allowed=permissions.can_act_on_task(actor, task),
        status=S.IN_PROGRESS,
        note=note,
        blocked_reason="",
    )
    return task


@transaction.atomic
def task_cancel(*, actor: Any, task: Task, reason: str) -> Task:
    """Cancel a task with the reason (who may confirm it); it is waived in on-time rates."""
    _move(
        actor=actor,
        task=task,
        action="cancel",
        allowed=permissions.can_confirm(actor, task),
        status=S.CANCELLED,
        note=reason,
        reason_needed=_("Say why the task is cancelled."),
        cancel_reason=_text(reason),
    )
    _carry_up(task)
    return task


@transaction.atomic
def task_part_update(
    *,
    actor: Any,
    task: Task,
    unit: Unit,
    status: str | None = None,
    progress: int | None = None,
    note: str | None = None,
) -> TaskUnit:
    """Record one unit's own part: its status, progress and note (officer+ of that unit).

    Done means 100%. The task's progress is recomputed and carried up to its parents.
    """
    _require(permissions.can_update_part(actor, task, unit), actor)
    _check_open(task)
    part = task.units.filter(unit=unit).exclude(role=R.OBSERVER).first()
    if part is None:
        raise ValidationError({"unit": _("%(unit)s does not take part in this task.") % {"unit": unit.name}})
    fields = ("status", "progress", "note")
    before = snapshot(part, fields)
    if status is not None:
        if status not in TaskUnit.Status.values:
            raise ValidationError({"status": _("Unknown status of a part: %(status)s.") % {"status": status}})
        part.status = status
        if status == TaskUnit.Status.DONE and progress is None:
            progress = 100
    if progress is not None:
        if not 0 <= int(progress) <= 100:
            raise ValidationError({"progress": _("Progress is a percentage from 0 to 100.")})
        part.progress = int(progress)
    if note is not None:
        part.note = note.strip()
    changes = diff(before, snapshot(part, fields))
    if changes:
        part.save(update_fields=[*changes, "updated_at"])
        audit_record(actor=actor, verb="task.part_updated", target=task, unit=unit, changes=changes, note=part.note)
        _recompute(task)
    return part


# --- Progress ---------------------------------------------------------------------------------


def _rolled(task: Task) -> int:
    """Return the task's progress from its subtasks and parts (see the module docstring)."""
    if task.status == S.CONFIRMED:
        return 100
    children = list(task.children.exclude(status=S.CANCELLED).values_list("progress", "weight"))
    parts = {role: [] for role in R.values}
    for role, progress, weight in task.units.values_list("role", "progress", "weight"):
        parts[role].append((progress, weight))
    components = children + parts[R.COOPERATING]
    if not children:
        components += parts[R.LEAD]
    if not components:
        return task.progress
    if task.progress_mode == Task.ProgressMode.WEIGHTED:
        total = sum(w for _p, w in components)
        return round(sum(p * w for p, w in components) / total) if total else 0
    return round(sum(p for p, _w in components) / len(components))


def _recompute(task: Task) -> None:
    """Store the task's rolled-up progress and carry the change up the parent chain."""
    value = _rolled(task)
    if value != task.progress:
        task.progress = value
        task.save(update_fields=["progress", "updated_at"])
    _carry_up(task)


def _carry_up(task: Task) -> None:
    seen = {task.pk}
    parent_id = task.parent_id
    while parent_id is not None and parent_id not in seen:
        seen.add(parent_id)
        parent = Task.objects.get(pk=parent_id)
        value = _rolled(parent)
        if value != parent.progress:
            parent.progress = value
            parent.save(update_fields=["progress", "updated_at"])
        parent_id = parent.parent_id


# --- Checklist --------------------------------------------------------------------------------


@transaction.atomic
def checklist_add(*, actor: Any, task: Task, text: str) -> ChecklistItem:
    """Add an item to the task's checklist (edit right or an assignee)."""
    _require(permissions.can_act_on_task(actor, task), actor)
    _check_open(task)
    text = _text(text)
    if not text:
        raise ValidationError({"text": _("Write the checklist item.")})
    last = task.checklist.order_by("-order").values_list("order", flat=True).first()
    item = ChecklistItem(task=task, text=text, order=(last + 1) if last is not None else 0)
    item.full_clean()
    item.save()
    audit_record(
        actor=actor, verb="task.checklist_added", target=task, unit=task.lead_unit, changes={"item": [None, text]}
    )
    return item


@transaction.atomic
def checklist_toggle(*, actor: Any, item: ChecklistItem) -> ChecklistItem:
    """Tick or untick a checklist item, recording who ticked it and when."""
    task = item.task
    _require(permissions.can_act_on_task(actor, task), actor)
    _check_open(task)
    item.done = not item.done
    item.done_by = actor if item.done and getattr(actor, "is_authenticated", False) else None
    item.done_at = timezone.now() if item.done else None
    item.save(update_fields=["done", "done_by", "done_at"])
    audit_record(
        actor=actor,
        verb="task.checklist_ticked" if item.done else "task.checklist_unticked",
        target=task,
        unit=task.lead_unit,
        changes={"item": [item.pk, item.text], "done": [not item.done, item.done]},
    )
    return item


@transaction.atomic
def checklist_remove(*, actor: Any, item: ChecklistItem) -> None:
    """Remove a checklist item (edit right or an assignee)."""
    task = item.task
    _require(permissions.can_act_on_task(actor, task), actor)
    _check_open(task)
    text = item.text
    item.delete()
    audit_record(
        actor=actor, verb="task.checklist_removed", target=task, unit=task.lead_unit, changes={"item": [text, None]}
    )


# --- Timeline ---------------------------------------------------------------------------------


def _mentioned(task: Task, text: str) -> list[User]:
    """Resolve each @username in the text; refuse names nobody has and people who cannot see the task."""
    names = []
    for raw in MENTION_RE.findall(text):
        name = raw.rstrip(".")
        if name and name.lower() not in [n.lower() for n in names]:
            names.append(name)
    if not names:
        return []
    q = Q()
    for name in names:
        q |= Q(username__iexact=name)
    found = {u.username.lower(): u for u in User.objects.filter(q, is_active=True)}
    unknown = [n for n in names if n.lower() not in found]
    if unknown:
        raise ValidationError(
            {"text": _("Nobody is called %(names)s.") % {"names": ", ".join(f"@{n}" for n in unknown)}}
        )
    people = [found[n.lower()] for n in names]
    blind = [p for p in people if not permissions.tasks_visible(p).filter(pk=task.pk).exists()]
    if blind:
        raise ValidationError(
            {
                "text": _("%(names)s cannot see this task; mention people of its units.")
                % {"names": ", ".join(f"@{p.username}" for p in blind)}
            }
        )
    return people


def _speaking_for(actor: Any, task: Task) -> Unit | None:
    """The unit of the task the author acts for: the first (lead first) they are an officer of."""
    parts = sorted(task.units.select_related("unit"), key=lambda p: (p.role != R.LEAD, p.pk))
    return next((p.unit for p in parts if p.role != R.OBSERVER and access.can(actor, p.unit, Role.OFFICER)), None)


@transaction.atomic
def task_comment(
    *,
    actor: Any,
    task: Task,
    text: str,
    kind: str = TaskUpdate.Kind.COMMENT,
    progress: int | None = None,
    file: Any = None,
) -> TaskUpdate:
    """Add a comment, a progress update (with a file) or — leaders only — a direction to the timeline.

    @username mentions are told; an unknown name is refused. A progress figure updates the part
    of the unit the author acts for (lead first). A direction goes to the people doing the work.
    """
    if kind not in TaskUpdate.Kind.values or kind == TaskUpdate.Kind.STATUS:
        raise ValidationError({"kind": _("Unknown kind of entry: %(kind)s.") % {"kind": kind}})
    if kind == TaskUpdate.Kind.DIRECTION:
        _require(permissions.can_direct(actor, task), actor)
    else:
        _require(permissions.can_comment(actor, task), actor)
    text = _text(text)
    if not text and not file and progress is None:
        raise ValidationError({"text": _("Write the comment or attach a file.")})
    people = _mentioned(task, text)
    unit = _speaking_for(actor, task)
    if progress is not None:
        if task.status in Task.CLOSED_STATUSES:
            _check_open(task)
        if not 0 <= int(progress) <= 100:
            raise ValidationError({"progress": _("Progress is a percentage from 0 to 100.")})
        if unit is None:
            raise ValidationError({"progress": _("Only the units doing the task report its progress.")})
        if kind == TaskUpdate.Kind.COMMENT:
            kind = TaskUpdate.Kind.UPDATE
    update = TaskUpdate(task=task, kind=kind, author=actor, unit=unit, text=text, progress=progress)
    if file:
        update.file = file
    update.full_clean()
    update.save()
    Mention.objects.bulk_create([Mention(update=update, user=p) for p in people])
    audit_record(
        actor=actor,
        verb=f"task.{kind}",
        target=task,
        unit=unit or task.lead_unit,
        changes={"update": [None, update.pk], "mentions": [None, [p.username for p in people]]},
        note=text[:500],
    )
    if progress is not None and unit is not None:
        TaskUnit.objects.filter(task=task, unit=unit).update(progress=int(progress))
        _recompute(task)
    _tell(
        task,
        actor=actor,
        recipients=people,
        kind=Kind.MENTIONED,
        title=format_lazy(
            gettext_lazy("{person} mentioned you on the task “{title}”"), person=actor.get_full_name(), title=task.title
        ),
        body=text,
    )
    if kind == TaskUpdate.Kind.DIRECTION:
        units = [p.unit for p in task.units.exclude(role=R.OBSERVER).select_related("unit")]
        _tell(
            task,
            actor=actor,
            recipients=[p for p in _doers(task, units) if p not in people],
            kind=Kind.INFO,
            title=format_lazy(
                gettext_lazy("{person} gave a direction on the task “{title}”"),
                person=actor.get_full_name(),
                title=task.title,
            ),
            body=text,
        )
    return update


# --- Duties of agreements ---------------------------------------------------------------------


def _link_occurrence(*, actor: Any, task: Task, occurrence: Occurrence) -> None:
    if occurrence.state == Occurrence.State.WAIVED:
        raise ValidationError({"occurrence": _("This duty was waived; it needs no evidence.")})
    linked = _key(task)
    if not occurrence.evidence.filter(kind=Evidence.Kind.TASK, linked_record=linked).exists():
        try:
            agreement_services.evidence_add(
                actor=actor, occurrence=occurrence, kind=Evidence.Kind.TASK, linked_record=linked
            )
        except ValidationError as exc:
            # The duty's own rule (e.g. it accepts only files) is reported on the task's field.
            raise ValidationError({"occurrence": exc.messages}) from exc
    if task.occurrence_id != occurrence.pk:
        task.occurrence = occurrence
        task.save(update_fields=["occurrence", "updated_at"])


@transaction.atomic
def task_link_occurrence(*, actor: Any, task: Task, occurrence: Occurrence) -> Task:
    """Make the task the evidence of a duty's occurrence (edit right on the task).

    Confirming the task later completes the occurrence through the agreements service.
    """
    _require(permissions.can_edit_task(actor, task), actor)
    _check_open(task)
    previous = task.occurrence_id
    _link_occurrence(actor=actor, task=task, occurrence=occurrence)
    audit_record(
        actor=actor,
        verb="task.occurrence_linked",
        target=task,
        unit=task.lead_unit,
        changes={"occurrence": [previous, occurrence.pk]},
    )
    return task


# --- Saved filters ----------------------------------------------------------------------------


@transaction.atomic
def saved_filter_save(*, actor: Any, view: str, name: str, query: str) -> SavedFilter:
    """Save (or overwrite, by name) one of the person's filters of a task list."""
    name = _text(name)
    if not name:
        raise ValidationError({"name": _("Name the filter.")})
    if view not in SavedFilter.View.values:
        raise ValidationError({"view": _("Unknown list: %(view)s.") % {"view": view}})
    query = (query or "").strip().lstrip("?")
    found = SavedFilter.objects.filter(user=actor, view=view, name=name).first()
    saved = found or SavedFilter(user=actor, view=view, name=name)
    saved.query = query
    saved.full_clean(validate_constraints=False)
    saved.save()
    audit_record(
        actor=actor,
        verb="task_filter.saved",
        target=saved,
        unit=None,
        changes={"query": [None, query]},
    )
    return saved


@transaction.atomic
def saved_filter_delete(*, actor: Any, saved_filter: SavedFilter) -> None:
    """Delete one of the person's own saved filters (someone else's answers 404 in the views)."""
    if actor is None or saved_filter.user_id != actor.pk:
        raise PermissionDenied
    audit_record(actor=actor, verb="task_filter.deleted", target=saved_filter, unit=None)
    saved_filter.delete()


# --- A person leaves a unit -------------------------------------------------------------------


@transaction.atomic
def tasks_hand_back(*, actor: Any, membership: Membership) -> list[Task]:
    """Hand a leaving person's open tasks of that unit back to the unit, and tell its leaders.

    Called by the `membership_ended` signal inside the transaction that ends the membership.
    The tasks stay with the unit (it owes them); only the person's assignment goes, audited.
    """
    rows = list(
        TaskAssignee.objects.filter(
            user_id=membership.user_id,
            unit__path__startswith=membership.unit.path,
            task__status__in=[*Task.OPEN_STATUSES, S.SUBMITTED],
        ).select_related("task__lead_unit", "unit")
    )
    if not rows:
        return []
    tasks = [row.task for row in rows]
    username = membership.user.get_username()
    for row in rows:
        audit_record(
            actor=actor,
            verb="task.unassigned",
            target=row.task,
            unit=row.unit,
            changes={"assignees": [[username], []]},
            note="membership ended",
        )
    TaskAssignee.objects.filter(pk__in=[r.pk for r in rows]).delete()
    titles = "\n".join(f"- {t.number} {t.title}".replace("-  ", "- ") for t in tasks)
    notify(
        recipients=leaders_of(membership.unit) or leaders_above(membership.unit),
        kind=Kind.INFO,
        title=format_lazy(
            ngettext_lazy(
                "{person} left {unit}: {count} open task is back with the unit",
                "{person} left {unit}: {count} open tasks are back with the unit",
                len(tasks),
            ),
            person=membership.user.get_full_name(),
            unit=membership.unit.name,
            count=len(tasks),
        ),
        body=titles,
        url=tasks[0].get_absolute_url() if len(tasks) == 1 else "",
        unit=membership.unit,
        target=_key(membership),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return tasks
