"""Plans and tasks in /api/v1/tasks, scoped exactly like the web.

Reads go through tasks.permissions and tasks.selectors; writes through tasks.services — the
functions the pages call — so the rules, the 422 field messages, the notifications and the audit
trail are the same whichever door is used. Units and content areas are named by their codes,
people by their usernames, plans, tasks and occurrences by id.
"""

# No `from __future__ import annotations`: ninja builds its models from these annotations at import.
import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from phoihop.agreements.permissions import access_agreement, access_occurrence
from phoihop.agreements.selectors import units_by_codes
from phoihop.api.pagination import Page
from phoihop.orgs import access
from phoihop.orgs.models import Role, User
from phoihop.tasks import permissions, selectors, services
from phoihop.tasks.models import ChecklistItem, Plan, Task, TaskUnit, TaskUpdate

router = Router(tags=["tasks"])

TaskStatusFilter = Literal[
    "new", "in_progress", "submitted", "confirmed", "returned", "blocked", "cancelled", "overdue"
]


# Schemas --------------------------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    title: str
    kind: str
    year: int
    status: str
    owner_unit_code: str = Field(..., alias="owner_unit.code")
    owner_unit_name: str = Field(..., alias="owner_unit.name")
    agreement_id: int | None = Field(..., description="The agreement the plan implements.")
    description: str


class PartOut(Schema):
    unit_code: str = Field(..., alias="unit.code")
    unit_name: str = Field(..., alias="unit.name")
    role: str
    status: str
    progress: int
    note: str
    weight: int


class AssigneeOut(Schema):
    username: str = Field(..., alias="user.username")
    full_name: str
    unit_code: str = Field(..., alias="unit.code")

    @staticmethod
    def resolve_full_name(obj: Any) -> str:
        return obj.user.get_full_name()


class TaskOut(Schema):
    id: int
    plan_id: int | None
    parent_id: int | None
    number: str
    title: str
    lead_unit_code: str = Field(..., alias="lead_unit.code")
    area: str | None = Field(..., description="Code of the content area.")
    priority: str
    start_date: dt.date | None
    due_date: dt.date
    status: str
    display_status: str = Field(..., description='The status, or "overdue" when still owed past the due date.')
    progress: int
    completed_on: dt.date | None = Field(
        ..., description="The day the work was submitted as done (what on time counts)."
    )
    parts: list[PartOut]
    assignees: list[AssigneeOut]

    @staticmethod
    def resolve_area(obj: Task) -> str | None:
        return obj.area.code if obj.area_id else None

    @staticmethod
    def resolve_display_status(obj: Task) -> str:
        return getattr(obj, "display_status", None) or selectors.display_status(obj)

    @staticmethod
    def resolve_parts(obj: Task) -> list[TaskUnit]:
        return list(obj.units.all())

    @staticmethod
    def resolve_assignees(obj: Task) -> list[Any]:
        return list(obj.assignees.all())


class ChecklistItemOut(Schema):
    id: int
    text: str
    done: bool
    done_at: dt.datetime | None
    order: int


class TaskDetailOut(TaskOut):
    description: str
    progress_mode: str
    weight: int
    blocked_reason: str
    cancel_reason: str
    assigner: str | None = Field(..., description="Username of who assigned it.")
    occurrence_id: int | None = Field(..., description="The duty occurrence this task is the evidence of.")
    source: str
    subtasks: list[int]
    checklist: list[ChecklistItemOut]

    @staticmethod
    def resolve_assigner(obj: Task) -> str | None:
        return obj.assigner.username if obj.assigner_id else None

    @staticmethod
    def resolve_subtasks(obj: Task) -> list[int]:
        return list(obj.children.order_by("pk").values_list("pk", flat=True))

    @staticmethod
    def resolve_checklist(obj: Task) -> list[ChecklistItem]:
        return list(obj.checklist.all())


class UpdateOut(Schema):
    id: int
    kind: str
    author: str = Field(..., alias="author.username")
    unit_code: str | None
    text: str
    progress: int | None
    file: str | None
    status_from: str
    status_to: str
    mentions: list[str]
    created_at: dt.datetime

    @staticmethod
    def resolve_unit_code(obj: TaskUpdate) -> str | None:
        return obj.unit.code if obj.unit_id else None

    @staticmethod
    def resolve_file(obj: TaskUpdate) -> str | None:
        return obj.file.name if obj.file else None

    @staticmethod
    def resolve_mentions(obj: TaskUpdate) -> list[str]:
        return [m.user.username for m in obj.mentions.all()]


class ComplianceOut(Schema):
    due: int = Field(..., description="What should be done by now: on time + late + open and overdue.")
    done_on_time: int
    done_late: int
    overdue_open: int
    upcoming: int
    waived: int
    on_time_rate: float | None = Field(..., description="done_on_time / due; an open overdue task counts against it.")


class RateRowOut(ComplianceOut):
    label: str
    code: str = Field(..., description="Code of the lead unit or of the content area.")


class PlanFilter(Schema):
    year: int | None = Field(None, ge=1990, le=2100)


class TaskFilter(Schema):
    view: Literal["my", "unit", "plan", "all"] = Field("all", description="all = every task I may see.")
    plan: int | None = Field(None, description="Id of a plan.")
    unit: str = Field("", description="Code of a unit that takes part.")
    role: Literal["", "lead", "cooperating", "observer"] = Field("", description="Its role (with unit, or mine).")
    area: str = Field("", description="Code of a content area.")
    status: TaskStatusFilter | None = None
    overdue: bool = False
    due_this_week: bool = False
    q: str = Field("", max_length=200, description="Words of the number, title or description.")


class PeriodFilter(Schema):
    date_from: dt.date | None = Field(None, description="Due on or after.")
    date_to: dt.date | None = Field(None, description="Due on or before.")


class ComplianceFilter(PeriodFilter):
    unit: str = Field("", description="Code of the lead unit (a territory counts its whole subtree).")
    area: str = Field("", description="Code of a content area.")
    plan: int | None = None


class PlanIn(Schema):
    owner_unit: str = Field(..., description="Code of the owner unit (officer there).")
    title: str
    year: int = Field(..., ge=1990, le=2100)
    kind: Plan.Kind
    agreement: int | None = Field(None, description="Id of the agreement it implements.")
    description: str = ""
    status: Plan.Status = Plan.Status.ACTIVE


class TaskIn(Schema):
    title: str
    lead_unit: str = Field(..., description="Code of the lead unit.")
    due_date: dt.date
    plan: int | None = None
    parent: int | None = Field(None, description="Id of the parent task (a subtask joins its plan).")
    cooperating_units: list[str] = Field(default_factory=list)
    observer_units: list[str] = Field(default_factory=list)
    start_date: dt.date | None = None
    priority: Task.Priority = Task.Priority.NORMAL
    area: str | None = Field(None, description="Code of a content area.")
    description: str = ""
    assignees: list[str] = Field(default_factory=list, description="Usernames of people of the task's units.")
    checklist: list[str] = Field(default_factory=list)
    occurrence: int | None = Field(None, description="Id of the duty occurrence the task is the evidence of.")
    number: str = ""
    weight: int = Field(1, ge=1, le=100)
    progress_mode: Task.ProgressMode = Task.ProgressMode.AVERAGE


class TaskPatch(Schema):
    title: str | None = None
    description: str | None = None
    start_date: dt.date | None = None
    due_date: dt.date | None = None
    priority: Task.Priority | None = None
    area: str | None = None
    parent: int | None = None
    number: str | None = None
    weight: int | None = Field(None, ge=1, le=100)
    progress_mode: Task.ProgressMode | None = None
    lead_unit: str | None = None
    cooperating_units: list[str] | None = None
    observer_units: list[str] | None = None


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str


class PartIn(Schema):
    status: TaskUnit.Status | None = None
    progress: int | None = Field(None, ge=0, le=100)
    note: str | None = None


class AssignIn(Schema):
    users: list[str] = Field(..., description="Usernames; the list replaces the unit's assignees.")


class CommentIn(Schema):
    text: str = ""
    kind: Literal["comment", "update", "direction"] = "comment"
    progress: int | None = Field(None, ge=0, le=100)


class ChecklistIn(Schema):
    text: str


# Helpers --------------------------------------------------------------------------------------


def _units(codes: list[str], field: str) -> list[Any]:
    """Resolve unit codes to open units (a co-operating unit may be outside one's own scope)."""
    found = units_by_codes(codes)
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationError({field: _("Unknown unit code: %(codes)s.") % {"codes": ", ".join(unknown)}})
    return [found[code] for code in codes]


def _users(usernames: list[str]) -> list[User]:
    found = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
    unknown = [name for name in usernames if name not in found]
    if unknown:
        raise ValidationError({"assignees": _("Unknown person: %(names)s.") % {"names": ", ".join(unknown)}})
    return [found[name] for name in usernames]


def _detail(user: Any, task: Task) -> Task:
    """Reload the task as lists show it (units, people, display status) after a change."""
    return selectors.task_list(user=user, view="all").get(pk=task.pk)


def _compliance_dict(counts: Any) -> dict[str, Any]:
    return {
        "due": counts.due,
        "done_on_time": counts.done_on_time,
        "done_late": counts.done_late,
        "overdue_open": counts.overdue_open,
        "upcoming": counts.upcoming,
        "waived": counts.waived,
        "on_time_rate": counts.on_time_rate,
    }


# Plans ----------------------------------------------------------------------------------------


@router.get("/plans", response=list[PlanOut], summary="Plans and programmes I may see, newest year first")
@paginate(Page)
def plan_list(request: HttpRequest, filters: Query[PlanFilter]) -> Any:
    return selectors.plan_list(user=request.auth, year=filters.year)


@router.get("/plans/{int:plan_id}", response=PlanOut, summary="One plan")
def plan_detail(request: HttpRequest, plan_id: int) -> Plan:
    return permissions.access_plan(request.auth, plan_id)


@router.post("/plans", response={201: PlanOut}, summary="Adopt a plan or programme (officer of the owner unit)")
def plan_create(request: HttpRequest, payload: PlanIn) -> Status[Plan]:
    actor = request.auth
    owner = access.access_unit_by_code(actor, payload.owner_unit, min_role=Role.OFFICER)
    agreement = access_agreement(actor, payload.agreement) if payload.agreement else None
    plan = services.plan_create(
        actor=actor,
        owner_unit=owner,
        title=payload.title,
        year=payload.year,
        kind=payload.kind,
        agreement=agreement,
        description=payload.description,
        status=payload.status,
    )
    return Status(201, plan)


# Tasks: reads ---------------------------------------------------------------------------------


@router.get("", response=list[TaskOut], summary="Tasks I may see, filtered, by due date")
@paginate(Page)
def task_list(request: HttpRequest, filters: Query[TaskFilter]) -> Any:
    user = request.auth
    plan = permissions.access_plan(user, filters.plan) if filters.plan else None
    unit = access.access_unit_by_code(user, filters.unit) if filters.unit else None
    chosen = {
        "role": filters.role,
        "area": filters.area.strip(),
        "status": filters.status or "",
        "overdue": filters.overdue,
        "due_this_week": filters.due_this_week,
        "q": filters.q,
        "unit": unit,
    }
    if filters.view == "plan" and plan is None:
        raise ValidationError({"plan": _("Choose the plan.")})
    return selectors.task_list(user=user, view=filters.view, plan=plan, unit=unit, filters=chosen)


@router.get("/rates", response=list[RateRowOut], summary="On-time rates of tasks per lead unit or per content area")
def rates(request: HttpRequest, filters: Query[PeriodFilter], by: Literal["unit", "area"] = "unit") -> list[dict]:
    rows = selectors.task_rates_table(user=request.auth, by=by, date_from=filters.date_from, date_to=filters.date_to)
    return [
        {
            "label": row.label,
            "code": row.unit.code if row.unit is not None else row.area.code,
            **_compliance_dict(row.compliance),
        }
        for row in rows
    ]


@router.get("/compliance", response=ComplianceOut, summary="Due, on time, late and overdue counts of tasks")
def compliance(request: HttpRequest, filters: Query[ComplianceFilter]) -> dict[str, Any]:
    user = request.auth
    counts = selectors.task_compliance(
        user=user,
        unit=access.access_unit_by_code(user, filters.unit) if filters.unit else None,
        area=filters.area.strip() or None,
        plan=permissions.access_plan(user, filters.plan) if filters.plan else None,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    return _compliance_dict(counts)


@router.get("/{int:task_id}", response=TaskDetailOut, summary="One task with its units, people and checklist")
def task_detail(request: HttpRequest, task_id: int) -> Task:
    task = permissions.access_task(request.auth, task_id)
    return _detail(request.auth, task)


@router.get("/{int:task_id}/comments", response=list[UpdateOut], summary="The task's timeline, oldest first")
@paginate(Page)
def comment_list(request: HttpRequest, task_id: int) -> Any:
    task = permissions.access_task(request.auth, task_id)
    return (
        TaskUpdate.objects.filter(task=task)
        .select_related("author", "unit")
        .prefetch_related("mentions__user")
        .order_by("created_at", "pk")
    )


@router.get("/{int:task_id}/checklist", response=list[ChecklistItemOut], summary="The task's checklist")
def checklist_list(request: HttpRequest, task_id: int) -> list[ChecklistItem]:
    task = permissions.access_task(request.auth, task_id)
    return list(task.checklist.all())


# Tasks: writes --------------------------------------------------------------------------------


@router.post("", response={201: TaskDetailOut}, summary="Assign a task to a lead unit")
def task_create(request: HttpRequest, payload: TaskIn) -> Status[Task]:
    actor = request.auth
    plan = permissions.access_plan(actor, payload.plan) if payload.plan else None
    parent = permissions.access_task(actor, payload.parent) if payload.parent else None
    [lead] = _units([payload.lead_unit], "lead_unit")
    task = services.task_create(
        actor=actor,
        title=payload.title,
        lead_unit=lead,
        due_date=payload.due_date,
        plan=plan,
        parent=parent,
        cooperating_units=_units(payload.cooperating_units, "cooperating_units"),
        observer_units=_units(payload.observer_units, "observer_units"),
        start_date=payload.start_date,
        priority=payload.priority,
        area=payload.area or None,
        description=payload.description,
        assignees=_users(payload.assignees),
        checklist=payload.checklist,
        occurrence=access_occurrence(actor, payload.occurrence) if payload.occurrence else None,
        number=payload.number,
        weight=payload.weight,
        progress_mode=payload.progress_mode,
    )
    return Status(201, _detail(actor, task))


@router.patch("/{int:task_id}", response=TaskDetailOut, summary="Change a task's dates, wording, units or parent")
def task_update(request: HttpRequest, task_id: int, payload: TaskPatch) -> Task:
    actor = request.auth
    task = permissions.access_task(actor, task_id, action="edit")
    fields = payload.dict(exclude_unset=True)
    if "lead_unit" in fields:
        [fields["lead_unit"]] = _units([fields["lead_unit"]], "lead_unit")
    for name in ("cooperating_units", "observer_units"):
        if name in fields:
            fields[name] = _units(fields[name] or [], name)
    if "parent" in fields:
        fields["parent"] = permissions.access_task(actor, fields["parent"]) if fields["parent"] else None
    services.task_update(actor=actor, task=task, **fields)
    return _detail(actor, task)


def _transition(request: HttpRequest, task_id: int, service: Any, action: str, **kwargs: Any) -> Task:
    actor = request.auth
    # The service checks the exact right (assignee, confirmer); here only visibility (404).
    task = permissions.access_task(actor, task_id, action=action)
    service(actor=actor, task=task, **kwargs)
    return _detail(actor, task)


@router.post("/{int:task_id}/start", response=TaskDetailOut, summary="Start work")
def task_start(request: HttpRequest, task_id: int, payload: NoteIn) -> Task:
    return _transition(request, task_id, services.task_start, "view", note=payload.note)


@router.post("/{int:task_id}/submit", response=TaskDetailOut, summary="Submit as done (today is the completion day)")
def task_submit(request: HttpRequest, task_id: int, payload: NoteIn) -> Task:
    return _transition(request, task_id, services.task_submit, "view", note=payload.note)


@router.post("/{int:task_id}/confirm", response=TaskDetailOut, summary="Confirm submitted work (leader or assigner)")
def task_confirm(request: HttpRequest, task_id: int, payload: NoteIn) -> Task:
    return _transition(request, task_id, services.task_confirm, "confirm", note=payload.note)


@router.post("/{int:task_id}/return", response=TaskDetailOut, summary="Return submitted work with a reason")
def task_return(request: HttpRequest, task_id: int, payload: ReasonIn) -> Task:
    return _transition(request, task_id, services.task_return, "confirm", reason=payload.reason)


@router.post("/{int:task_id}/block", response=TaskDetailOut, summary="Mark blocked with a reason")
def task_block(request: HttpRequest, task_id: int, payload: ReasonIn) -> Task:
    return _transition(request, task_id, services.task_block, "view", reason=payload.reason)


@router.post("/{int:task_id}/unblock", response=TaskDetailOut, summary="Resume a blocked task")
def task_unblock(request: HttpRequest, task_id: int, payload: NoteIn) -> Task:
    return _transition(request, task_id, services.task_unblock, "view", note=payload.note)


@router.post("/{int:task_id}/cancel", response=TaskDetailOut, summary="Cancel with a reason (leader or assigner)")
def task_cancel(request: HttpRequest, task_id: int, payload: ReasonIn) -> Task:
    return _transition(request, task_id, services.task_cancel, "confirm", reason=payload.reason)


@router.post("/{int:task_id}/parts/{code}", response=PartOut, summary="Update one unit's own part")
def part_update(request: HttpRequest, task_id: int, code: str, payload: PartIn) -> TaskUnit:
    actor = request.auth
    task = permissions.access_task(actor, task_id)
    [unit] = _units([code], "unit")
    return services.task_part_update(
        actor=actor, task=task, unit=unit, status=payload.status, progress=payload.progress, note=payload.note
    )


@router.post("/{int:task_id}/assignees/{code}", response=list[AssigneeOut], summary="Set who works on it for a unit")
def task_assign(request: HttpRequest, task_id: int, code: str, payload: AssignIn) -> list[Any]:
    actor = request.auth
    task = permissions.access_task(actor, task_id)
    [unit] = _units([code], "unit")
    return services.task_assign(actor=actor, task=task, unit=unit, users=_users(payload.users))


@router.post("/{int:task_id}/comments", response={201: UpdateOut}, summary="Comment, report progress or direct")
def comment_create(request: HttpRequest, task_id: int, payload: CommentIn) -> Status[TaskUpdate]:
    actor = request.auth
    task = permissions.access_task(actor, task_id)
    update = services.task_comment(
        actor=actor, task=task, text=payload.text, kind=payload.kind, progress=payload.progress
    )
    return Status(201, update)


@router.post("/{int:task_id}/checklist", response={201: ChecklistItemOut}, summary="Add a checklist item")
def checklist_add(request: HttpRequest, task_id: int, payload: ChecklistIn) -> Status[ChecklistItem]:
    actor = request.auth
    task = permissions.access_task(actor, task_id)
    return Status(201, services.checklist_add(actor=actor, task=task, text=payload.text))


def _item(request: HttpRequest, task_id: int, item_id: int) -> ChecklistItem:
    task = permissions.access_task(request.auth, task_id)
    item = task.checklist.filter(pk=item_id).first()
    if item is None:
        raise Http404
    return item


@router.post(
    "/{int:task_id}/checklist/{int:item_id}/toggle", response=ChecklistItemOut, summary="Tick or untick an item"
)
def checklist_toggle(request: HttpRequest, task_id: int, item_id: int) -> ChecklistItem:
    return services.checklist_toggle(actor=request.auth, item=_item(request, task_id, item_id))


@router.delete("/{int:task_id}/checklist/{int:item_id}", response={204: None}, summary="Remove an item")
def checklist_remove(request: HttpRequest, task_id: int, item_id: int) -> Status[None]:
    services.checklist_remove(actor=request.auth, item=_item(request, task_id, item_id))
    return Status(204, None)
