"""Screens of plans and tasks: my tasks, my unit's tasks, a plan as a list, a board and a
calendar, the task page with its units' parts, people, checklist, subtasks, timeline and
history, the on-time rates, saved filters and XLSX in and out.

Every view reaches its record through `tasks.permissions` (404 outside the person's scope, 403
when visible but not theirs to change) and changes state only through `tasks.services`, the
same functions the API calls; lists come from `tasks.selectors`, already scoped.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Avg, Count, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from phoihop.agreements.forms import acting_units, unit_suggestions
from phoihop.agreements.models import Agreement, Occurrence
from phoihop.agreements.permissions import agreements_visible
from phoihop.agreements.views import _download as download_upload  # one way to send an uploaded file
from phoihop.calendar.periods import PeriodType, period_containing
from phoihop.core.htmx import is_htmx, redirect_after_change, render_page_or_fragment
from phoihop.core.spreadsheets import XlsxColumn, write_table_xlsx
from phoihop.documents.responses import document_download
from phoihop.orgs import access
from phoihop.orgs.models import Unit
from phoihop.tasks import importexport, permissions, selectors, services
from phoihop.tasks.forms import (
    AssignForm,
    ChecklistForm,
    CommentForm,
    ImportForm,
    OccurrenceLinkForm,
    PartForm,
    PlanForm,
    RatesForm,
    SavedFilterForm,
    TaskFilterForm,
    TaskForm,
    TransitionForm,
    add_service_errors,
)
from phoihop.tasks.models import Plan, SavedFilter, Task, TaskUnit, TaskUpdate

PAGE_SIZE = 50


# Transitions ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """A button of the task page and an entry of a board card's menu."""

    action: str
    label: Any
    allowed: Callable[[Any, Task], bool]
    needs_reason: bool = False
    primary: bool = False
    reason_label: Any = ""  # the question above the reason box, so two boxes on one page read apart

    @property
    def from_statuses(self) -> tuple[str, ...]:
        # The service's own table: a button shows only where the service would accept it.
        return services.TRANSITIONS[self.action]


TRANSITIONS = (
    Transition("start", gettext_lazy("Start"), permissions.can_act_on_task, primary=True),
    Transition("submit", gettext_lazy("Submit as done"), permissions.can_act_on_task, primary=True),
    Transition("confirm", gettext_lazy("Confirm"), permissions.can_confirm, primary=True),
    Transition(
        "return",
        gettext_lazy("Return"),
        permissions.can_confirm,
        needs_reason=True,
        reason_label=gettext_lazy("Why is the work returned?"),
    ),
    Transition(
        "block",
        gettext_lazy("Block"),
        permissions.can_act_on_task,
        needs_reason=True,
        reason_label=gettext_lazy("What blocks the task?"),
    ),
    Transition("unblock", gettext_lazy("Unblock"), permissions.can_act_on_task),
    Transition(
        "cancel",
        gettext_lazy("Cancel the task"),
        permissions.can_confirm,
        needs_reason=True,
        reason_label=gettext_lazy("Why is the task cancelled?"),
    ),
)
_BY_ACTION = {t.action: t for t in TRANSITIONS}


def allowed_transitions(user: Any, task: Task) -> list[Transition]:
    return [t for t in TRANSITIONS if task.status in t.from_statuses and t.allowed(user, task)]


def _run_transition(user: Any, task: Task, action: str, data: dict[str, Any]) -> Task:
    reason = data.get("reason") or ""
    note = data.get("note") or ""
    calls: dict[str, Callable[[], Any]] = {
        "start": lambda: services.task_start(actor=user, task=task),
        "submit": lambda: services.task_submit(
            actor=user, task=task, note=note, completed_on=data.get("completed_on") or None
        ),
        "confirm": lambda: services.task_confirm(actor=user, task=task, note=note),
        "return": lambda: services.task_return(actor=user, task=task, reason=reason),
        "block": lambda: services.task_block(actor=user, task=task, reason=reason),
        "unblock": lambda: services.task_unblock(actor=user, task=task),
        "cancel": lambda: services.task_cancel(actor=user, task=task, reason=reason),
    }
    return calls[action]()


DONE_MESSAGES = {
    "start": gettext_lazy("The task was started."),
    "submit": gettext_lazy("The task was submitted as done."),
    "confirm": gettext_lazy("The task was confirmed."),
    "return": gettext_lazy("The task was returned."),
    "block": gettext_lazy("The task was marked blocked."),
    "unblock": gettext_lazy("The task was unblocked."),
    "cancel": gettext_lazy("The task was cancelled."),
}


# What the history says for each audit verb (the timeline entries speak for themselves).
VERB_LABELS = {
    "task.created": gettext_lazy("created the task"),
    "task.updated": gettext_lazy("changed the task"),
    "task.assigned": gettext_lazy("changed who works on it"),
    "task.part_updated": gettext_lazy("updated a unit's part"),
    "task.checklist_added": gettext_lazy("added a checklist item"),
    "task.checklist_ticked": gettext_lazy("ticked a checklist item"),
    "task.checklist_unticked": gettext_lazy("unticked a checklist item"),
    "task.checklist_removed": gettext_lazy("removed a checklist item"),
    "task.occurrence_linked": gettext_lazy("linked it to a duty"),
    "task.started": gettext_lazy("started it"),
    "task.submitted": gettext_lazy("submitted it as done"),
    "task.confirmed": gettext_lazy("confirmed it"),
    "task.returned": gettext_lazy("returned it"),
    "task.blocked": gettext_lazy("marked it blocked"),
    "task.unblocked": gettext_lazy("unblocked it"),
    "task.cancelled": gettext_lazy("cancelled it"),
    "task.unassigned": gettext_lazy("took a person who left the unit off it"),
}


# Helpers --------------------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _form_status(request: HttpRequest) -> int:
    # A refused form answers 400, except to htmx, which swaps only 2xx answers by default.
    if request.method != "POST":
        return 200
    return 200 if is_htmx(request) else 400


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _errors_to_messages(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _filter_query(request: HttpRequest) -> str:
    """The filters of the current list as a querystring, without the page and export parameters."""
    query = request.GET.copy()
    for key in ("page", "export", "saved"):
        query.pop(key, None)
    return query.urlencode()


def _saved_url(path: str, saved: SavedFilter) -> str:
    # `saved` marks the filter as the one applied, so the dropdown shows it and offers to delete it.
    return f"{path}?{saved.query}&saved={saved.pk}" if saved.query else f"{path}?saved={saved.pk}"


def _my_units(user: Any) -> list[Unit]:
    return list(selectors.units_of_user(user))


def _province_of(user: Any) -> str:
    for unit in _my_units(user):
        if unit.province_code:
            return unit.province_code
    return ""


def _list_page(
    request: HttpRequest,
    *,
    view: str,
    template: str,
    context: dict[str, Any],
    plan: Plan | None = None,
    unit: Unit | None = None,
    export_name: str = "tasks",
) -> HttpResponse:
    """Any task list: filters, saved filters, 50 a page, the XLSX of the same rows, htmx rows only."""
    user = request.user
    if request.GET.get("saved") and set(request.GET) == {"saved"}:
        # A saved filter picked from the dropdown: open the list with its querystring.
        if not request.GET["saved"].isdigit():
            raise Http404
        saved = get_object_or_404(SavedFilter, pk=request.GET["saved"], user=user, view=view)
        return redirect(_saved_url(request.path, saved))
    form = TaskFilterForm(request.GET or None)
    tasks = selectors.task_list(user=user, view=view, plan=plan, unit=unit, filters=form.selector_filters())
    if request.GET.get("export") == "xlsx":
        return document_download(importexport.export_xlsx(tasks), f"{export_name}-{_today():%Y%m%d}.xlsx")
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    query = _filter_query(request)
    context.update(
        {
            "form": form,
            "page": page,
            "today": _today(),
            "view": view,
            "query": query,
            "export_query": f"{query}&export=xlsx" if query else "export=xlsx",
            "saved_filters": SavedFilter.objects.filter(user=user, view=view).order_by("name"),
            "save_form": SavedFilterForm(initial={"view": view, "query": query, "next": request.path}),
            "suggestions": unit_suggestions(_province_of(user)),
        }
    )
    return render_page_or_fragment(request, template, "tasks/partials/_task_rows.html", context)


# Lists ----------------------------------------------------------------------------------------------


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request,
        view=SavedFilter.View.MY,
        template="tasks/my_tasks.html",
        context={"my_units": _my_units(request.user)},
        export_name="my-tasks",
    )


@login_required
def unit_tasks(request: HttpRequest, unit_pk: int | None = None) -> HttpResponse:
    mine = _my_units(request.user)
    if unit_pk is None:
        # The menu's entry: the person's first unit (a page, not a redirect, so the link is a page).
        if not mine:
            return render(request, "tasks/unit_tasks.html", {"unit": None, "my_units": []})
        unit = mine[0]
    else:
        unit = access.access_unit(request.user, unit_pk)
    return _list_page(
        request,
        view=SavedFilter.View.UNIT,
        template="tasks/unit_tasks.html",
        context={"unit": unit, "my_units": mine},
        unit=unit,
        export_name=f"tasks-{unit.code}",
    )


@login_required
def filter_save(request: HttpRequest) -> HttpResponse:
    form = SavedFilterForm(request.POST if request.method == "POST" else None)
    fallback = reverse("tasks:my-tasks")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.saved_filter_save(
                actor=request.user, view=data["view"], name=data["name"], query=data["query"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The filter “%(name)s” was saved.") % {"name": saved.name})
            return redirect(_saved_url(_safe_next(request, fallback), saved))
    return render(request, "tasks/filter_form.html", {"form": form}, status=_form_status(request))


@login_required
@require_POST
def filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    # Saved filters are private: another person's id answers 404.
    saved = get_object_or_404(SavedFilter, pk=pk, user=request.user)
    services.saved_filter_delete(actor=request.user, saved_filter=saved)
    messages.success(request, _("The filter “%(name)s” was deleted.") % {"name": saved.name})
    return redirect(_safe_next(request, reverse("tasks:my-tasks")))


# Plans ----------------------------------------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    today = _today()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    plans = selectors.plan_list(user=request.user, year=year)
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tasks/plan_list.html",
        {
            "page": page,
            "year": year,
            "previous_year": year - 1,
            "next_year": year + 1,
            "can_create": acting_units(request.user).exists(),
        },
    )


def _plan_summary(user: Any, plan: Plan) -> dict[str, Any]:
    """The plan's progress (mean of its top-level tasks, cancelled ones left out), counts by status, on-time figures."""
    tasks = plan.tasks.all()
    progress = tasks.filter(parent__isnull=True).exclude(status=Task.Status.CANCELLED).aggregate(p=Avg("progress"))["p"]
    counts = dict(tasks.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {
        "progress": round(progress) if progress is not None else None,
        "status_counts": [(value, label, counts.get(value, 0)) for value, label in Task.Status.choices],
        "compliance": selectors.task_compliance(user=user, plan=plan, today=_today()),
    }


def _plan_context(request: HttpRequest, plan: Plan, tab: str) -> dict[str, Any]:
    user = request.user
    return {
        "plan": plan,
        "tab": tab,
        "can_edit": permissions.can_edit_plan(user, plan),
        **_plan_summary(user, plan),
    }


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = permissions.access_plan(request.user, pk)
    return _list_page(
        request,
        view=SavedFilter.View.PLAN,
        template="tasks/plan_detail.html",
        context=_plan_context(request, plan, "list"),
        plan=plan,
        export_name=f"plan-{plan.pk}",
    )


def _card_forms(user: Any, plan: Plan, tasks: list[Task]) -> None:
    for task in tasks:
        # The plan (with its owner unit) is already here: the permission checks read it, no query per card.
        task.plan = plan
        task.transitions = allowed_transitions(user, task)
        task.needs_reason = any(t.needs_reason for t in task.transitions)


@login_required
def plan_board(request: HttpRequest, pk: int) -> HttpResponse:
    plan = permissions.access_plan(request.user, pk)
    form = TaskFilterForm(request.GET or None)
    tasks = list(selectors.task_list(user=request.user, view="plan", plan=plan, filters=form.selector_filters()))
    _card_forms(request.user, plan, tasks)
    columns = selectors.board_columns(tasks)
    context = _plan_context(request, plan, "board")
    context.update({"form": form, "columns": columns, "today": _today(), "query": _filter_query(request)})
    return render(request, "tasks/plan_board.html", context)


def _month(request: HttpRequest, today: dt.date) -> dt.date:
    try:
        year, month = (int(part) for part in (request.GET.get("month") or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


@login_required
def plan_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    plan = permissions.access_plan(request.user, pk)
    today = _today()
    month = _month(request, today)
    form = TaskFilterForm(request.GET or None)
    tasks = selectors.task_list(user=request.user, view="plan", plan=plan, filters=form.selector_filters())
    weeks = selectors.calendar_month(tasks, month)
    context = _plan_context(request, plan, "calendar")
    context.update(
        {
            "form": form,
            "month": month,
            "weeks": weeks,
            # On a phone the grid gives way to this list of the days of the month that have tasks.
            "days": [day for week in weeks for day in week if day.in_month and day.tasks],
            "previous_month": (month - dt.timedelta(days=1)).replace(day=1),
            "next_month": (month + dt.timedelta(days=32)).replace(day=1),
            "today": today,
            "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
            "query": _filter_query(request),
        }
    )
    return render(request, "tasks/plan_calendar.html", context)


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    owners = acting_units(request.user)
    if not owners.exists():
        raise PermissionDenied
    form = PlanForm(
        request.POST if request.method == "POST" else None,
        owners=owners,
        agreements=agreements_visible(request.user),
        initial={"year": _today().year, "kind": Plan.Kind.PLAN, "status": Plan.Status.ACTIVE},
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The plan was created."))
            return redirect_after_change(request, plan.get_absolute_url())
    return render(request, "tasks/plan_form.html", {"form": form, "plan": None}, status=_form_status(request))


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = permissions.access_plan(request.user, pk, action="edit")
    form = PlanForm(
        request.POST if request.method == "POST" else None,
        owners=Unit.objects.filter(pk=plan.owner_unit_id),
        agreements=_agreement_choices(request.user, plan),
        plan=plan,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The plan was saved."))
            return redirect_after_change(request, plan.get_absolute_url())
    return render(request, "tasks/plan_form.html", {"form": form, "plan": plan}, status=_form_status(request))


def _agreement_choices(user: Any, plan: Plan) -> QuerySet[Agreement]:
    """The agreements the person sees; the plan's own stays a choice even when they no longer see it."""
    return (agreements_visible(user) | Agreement.objects.filter(pk=plan.agreement_id)).distinct()


@login_required
@require_POST
def plan_close(request: HttpRequest, pk: int) -> HttpResponse:
    plan = permissions.access_plan(request.user, pk, action="edit")
    try:
        services.plan_close(actor=request.user, plan=plan)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("The plan was closed."))
    return redirect_after_change(request, plan.get_absolute_url())


@login_required
def plan_import(request: HttpRequest, pk: int) -> HttpResponse:
    plan = permissions.access_plan(request.user, pk, action="edit")
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = importexport.import_plan_tasks(actor=request.user, plan=plan, content=form.cleaned_data["file"].read())
        if report.ok:
            messages.success(
                request, _("%(count)s tasks were imported into the plan.") % {"count": len(report.created)}
            )
            return redirect_after_change(request, plan.get_absolute_url())
    status = 400 if (report is not None and not report.ok) or form.errors else 200
    return render(request, "tasks/plan_import.html", {"plan": plan, "form": form, "report": report}, status=status)


@login_required
def plan_import_template(request: HttpRequest, pk: int) -> HttpResponse:
    plan = permissions.access_plan(request.user, pk)
    return document_download(importexport.template_xlsx(), f"plan-{plan.pk}-tasks-template.xlsx")


# Tasks ----------------------------------------------------------------------------------------------


def _task_form_response(
    request: HttpRequest, form: TaskForm, *, plan: Plan | None, parent: Task | None, task: Task | None
) -> HttpResponse:
    context = {
        "form": form,
        "plan": plan,
        "parent": parent,
        "task": task,
        "suggestions": unit_suggestions(_province_of(request.user)),
    }
    return render(request, "tasks/task_form.html", context, status=_form_status(request))


def _save_new_task(
    request: HttpRequest, form: TaskForm, *, plan: Plan | None, parent: Task | None
) -> HttpResponse | None:
    if not form.is_valid():
        return None
    fields = form.service_fields()
    if parent is not None:
        fields["parent"] = parent
    try:
        task = services.task_create(actor=request.user, plan=plan, **fields)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    messages.success(request, _("The task was created."))
    return redirect_after_change(request, task.get_absolute_url())


@login_required
def task_create(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    plan = permissions.access_plan(request.user, pk, action="edit") if pk is not None else None
    parents = plan.tasks.all() if plan is not None else None
    form = TaskForm(request.POST if request.method == "POST" else None, parents=parents)
    if request.method == "POST":
        done = _save_new_task(request, form, plan=plan, parent=None)
        if done is not None:
            return done
    return _task_form_response(request, form, plan=plan, parent=None, task=None)


@login_required
def subtask_create(request: HttpRequest, pk: int) -> HttpResponse:
    parent = permissions.access_task(request.user, pk, action="edit")
    form = TaskForm(
        request.POST if request.method == "POST" else None,
        initial={"due_date": parent.due_date, "area": parent.area_id, "lead_unit": parent.lead_unit},
    )
    if request.method == "POST":
        done = _save_new_task(request, form, plan=parent.plan, parent=parent)
        if done is not None:
            return done
    return _task_form_response(request, form, plan=parent.plan, parent=parent, task=None)


@login_required
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = permissions.access_task(request.user, pk, action="edit")
    # A parent from the same plan, never the task itself (the service refuses its descendants).
    parents = task.plan.tasks.exclude(pk=task.pk) if task.plan_id else None
    form = TaskForm(request.POST if request.method == "POST" else None, parents=parents, task=task)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(actor=request.user, task=task, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The task was saved."))
            return redirect_after_change(request, task.get_absolute_url())
    return _task_form_response(request, form, plan=task.plan, parent=task.parent, task=task)


def _people_of(unit: Unit) -> QuerySet:
    """People with an open membership of exactly this unit: those who can be assigned for it."""
    return (
        get_user_model()
        .objects.filter(memberships__unit=unit, memberships__ended_on__isnull=True, is_active=True)
        .distinct()
        .order_by("full_name", "username")
    )


def _occurrence_choices(user: Any, task: Task) -> QuerySet[Occurrence]:
    """Open duties the task's lead unit owes, of the plan's agreement when it has one: what it can be evidence of.

    Only duties of agreements the person sees: a plan officer editing a commune's task does not
    read the commune's other agreements through this list.
    """
    occurrences = Occurrence.objects.filter(
        state=Occurrence.State.OPEN,
        obligation__owing_units=task.lead_unit,
        obligation__agreement__in=agreements_visible(user),
    ).select_related("obligation__agreement")
    if task.plan_id and task.plan.agreement_id:
        occurrences = occurrences.filter(obligation__agreement_id=task.plan.agreement_id)
    # Not sliced: the form's choice field looks the picked one up in this queryset. The duties of
    # the task's own year and the year before keep the list short.
    since = dt.date(task.due_date.year - 1, 1, 1)
    return occurrences.filter(due_on__gte=since).order_by("due_on", "pk").distinct()


def _task_context(request: HttpRequest, task: Task, forms: dict[str, Any] | None = None) -> dict[str, Any]:
    user = request.user
    forms = forms or {}
    # Lead first, then the co-operating units, then the observers: who answers for what.
    order = {TaskUnit.Role.LEAD: 0, TaskUnit.Role.COOPERATING: 1, TaskUnit.Role.OBSERVER: 2}
    parts = sorted(task.units.select_related("unit"), key=lambda p: (order.get(p.role, 3), p.unit.path))
    assignees = list(task.assignees.select_related("user", "unit"))
    can_edit = permissions.can_edit_task(user, task)
    for part in parts:
        part.can_update = part.role != TaskUnit.Role.OBSERVER and permissions.can_update_part(user, task, part.unit)
        part.people = [a for a in assignees if a.unit_id == part.unit_id]
        if part.can_update:
            part.form = forms.get(f"part-{part.unit_id}") or PartForm(
                prefix=f"part-{part.unit_id}",
                initial={"status": part.status, "progress": part.progress, "note": part.note},
            )
            # Only people of the unit itself can be assigned for it (tasks.services checks again).
            part.assign_form = forms.get(f"assign-{part.unit_id}") or AssignForm(
                prefix=f"assign-{part.unit_id}",
                people=_people_of(part.unit),
                initial={"users": [a.user_id for a in part.people]},
            )
    may_direct = permissions.can_direct(user, task)
    # Newest first; audit events get words instead of their verb code.
    history = list(reversed(selectors.task_history(task)))
    for entry in history:
        if entry.update is not None:
            entry.update.filename = os.path.basename(entry.update.file.name) if entry.update.file else ""
        elif entry.event is not None:
            entry.event.verb_label = VERB_LABELS.get(entry.event.verb, entry.event.verb)
    checklist = list(task.checklist.all())
    children = list(task.children.select_related("lead_unit").order_by("number", "due_date", "pk"))
    transitions = allowed_transitions(user, task)
    return {
        "task": task,
        "plan": task.plan,
        "today": _today(),
        "parts": parts,
        "children": children,
        "display_status": selectors.display_status(task, today=_today()),
        "checklist": checklist,
        "checklist_done": sum(1 for item in checklist if item.done),
        "history": history,
        "transitions": transitions,
        "transition_form": forms.get("transition") or TransitionForm(),
        "transition_error": forms.get("transition_error"),
        "can_edit": can_edit,
        "can_act": permissions.can_act_on_task(user, task),
        "can_comment": permissions.can_comment(user, task),
        # Its own ids: the comment form below has a "text" field too.
        "checklist_form": forms.get("checklist") or ChecklistForm(auto_id="checklist_%s"),
        "comment_form": forms.get("comment") or CommentForm(may_direct=may_direct),
        "occurrence_form": (
            forms.get("occurrence") or OccurrenceLinkForm(occurrences=_occurrence_choices(user, task))
            if can_edit and task.occurrence_id is None
            else None
        ),
    }


def _task_page(
    request: HttpRequest, task: Task, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    return render(request, "tasks/task_detail.html", _task_context(request, task, forms), status=status)


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _task_page(request, permissions.access_task(request.user, pk))


def _after_action(request: HttpRequest, task: Task, message: Any) -> HttpResponse:
    messages.success(request, message)
    return _back(request, task)


def _back(request: HttpRequest, task: Task) -> HttpResponse:
    """Back to the page the action came from.

    A board card posts with htmx and `next` (the board): a plain redirect, which htmx follows,
    so the card's form swaps in the new board (and the message) without reloading the page.
    """
    if is_htmx(request) and request.POST.get("next"):
        return redirect(_safe_next(request, task.get_absolute_url()))
    return redirect_after_change(request, _safe_next(request, task.get_absolute_url()))


@login_required
@require_POST
def task_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Run one transition from the task page or a board card (which passes `next`, the board)."""
    task = permissions.access_task(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["action"] not in _BY_ACTION:
        raise Http404
    action = form.cleaned_data["action"]
    transition = _BY_ACTION[action]
    if not transition.allowed(request.user, task):
        raise PermissionDenied
    if transition.needs_reason and not form.cleaned_data.get("reason"):
        form.add_error("reason", _("Give a reason."))
    else:
        try:
            _run_transition(request.user, task, action, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_action(request, task, DONE_MESSAGES[action])
    # Refused: the board shows the message above it; the task page shows it beside the form.
    if request.POST.get("next"):
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return _back(request, task)
    task.refresh_from_db()
    return _task_page(request, task, {"transition": form, "transition_error": action}, status=_form_status(request))


@login_required
@require_POST
def part_update(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    task = permissions.access_task(request.user, pk)
    part = get_object_or_404(task.units.select_related("unit"), unit_id=unit_pk)
    if not permissions.can_update_part(request.user, task, part.unit):
        raise PermissionDenied
    form = PartForm(request.POST, prefix=f"part-{unit_pk}")
    if form.is_valid():
        try:
            services.task_part_update(actor=request.user, task=task, unit=part.unit, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_action(request, task, _("The part of %(unit)s was saved.") % {"unit": part.unit.name})
    return _task_page(request, task, {f"part-{unit_pk}": form}, status=_form_status(request))


@login_required
@require_POST
def task_assign(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    task = permissions.access_task(request.user, pk)
    part = get_object_or_404(task.units.select_related("unit"), unit_id=unit_pk)
    if not permissions.can_update_part(request.user, task, part.unit):
        raise PermissionDenied
    form = AssignForm(request.POST, prefix=f"assign-{unit_pk}", people=_people_of(part.unit))
    if form.is_valid():
        try:
            services.task_assign(actor=request.user, task=task, unit=part.unit, users=list(form.cleaned_data["users"]))
        except ValidationError as exc:
            add_service_errors(form, exc, {"assignees": "users"})
        else:
            return _after_action(request, task, _("The people of %(unit)s were saved.") % {"unit": part.unit.name})
    return _task_page(request, task, {f"assign-{unit_pk}": form}, status=_form_status(request))


def _checklist_answer(request: HttpRequest, task: Task) -> HttpResponse:
    """The checklist card for htmx (ticks without reloading the page), the task page otherwise."""
    if is_htmx(request):
        return render(request, "tasks/partials/_checklist.html", _task_context(request, task))
    return redirect(task.get_absolute_url())


@login_required
@require_POST
def checklist_add(request: HttpRequest, pk: int) -> HttpResponse:
    task = permissions.access_task(request.user, pk)
    if not permissions.can_act_on_task(request.user, task):
        raise PermissionDenied
    form = ChecklistForm(request.POST, auto_id="checklist_%s")
    if form.is_valid():
        try:
            services.checklist_add(actor=request.user, task=task, text=form.cleaned_data["text"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _checklist_answer(request, task)
    if is_htmx(request):
        return render(request, "tasks/partials/_checklist.html", _task_context(request, task, {"checklist": form}))
    return _task_page(request, task, {"checklist": form}, status=400)


def _checklist_item_action(request: HttpRequest, pk: int, item_pk: int, call: Callable[..., Any]) -> HttpResponse:
    task = permissions.access_task(request.user, pk)
    item = get_object_or_404(task.checklist, pk=item_pk)
    if not permissions.can_act_on_task(request.user, task):
        raise PermissionDenied
    try:
        call(actor=request.user, item=item)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    return _checklist_answer(request, task)


@login_required
@require_POST
def checklist_toggle(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    return _checklist_item_action(request, pk, item_pk, services.checklist_toggle)


@login_required
@require_POST
def checklist_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    return _checklist_item_action(request, pk, item_pk, services.checklist_remove)


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    task = permissions.access_task(request.user, pk, action="comment")
    form = CommentForm(request.POST, request.FILES, may_direct=permissions.can_direct(request.user, task))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.task_comment(
                actor=request.user,
                task=task,
                text=data["text"],
                kind=data["kind"],
                progress=data.get("progress"),
                file=data.get("file") or None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_action(request, task, _("Your entry was added to the task."))
    return _task_page(request, task, {"comment": form}, status=_form_status(request))


@login_required
def update_file(request: HttpRequest, pk: int, update_pk: int) -> FileResponse:
    """Send a file attached to an update, after the access check (never by its /media/ address)."""
    task = permissions.access_task(request.user, pk)
    return download_upload(get_object_or_404(TaskUpdate, pk=update_pk, task=task).file)


@login_required
@require_POST
def occurrence_link(request: HttpRequest, pk: int) -> HttpResponse:
    task = permissions.access_task(request.user, pk, action="edit")
    form = OccurrenceLinkForm(request.POST, occurrences=_occurrence_choices(request.user, task))
    if form.is_valid():
        try:
            services.task_link_occurrence(actor=request.user, task=task, occurrence=form.cleaned_data["occurrence"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_action(request, task, _("The task was linked to the duty as its evidence."))
    return _task_page(request, task, {"occurrence": form}, status=_form_status(request))


# On-time rates --------------------------------------------------------------------------------------


def _rates_columns() -> list[XlsxColumn]:
    return [
        XlsxColumn(_("Unit or area"), width=40),
        XlsxColumn(_("Due"), width=10),
        XlsxColumn(_("Done on time"), width=12),
        XlsxColumn(_("Done late"), width=12),
        XlsxColumn(_("Overdue, not done"), width=14),
        XlsxColumn(_("Upcoming"), width=12),
        XlsxColumn(_("Cancelled"), width=12),
        XlsxColumn(_("On-time rate (%)"), width=14),
    ]


@login_required
def task_rates(request: HttpRequest) -> HttpResponse:
    today = _today()
    form = RatesForm(request.GET if "year" in request.GET else None, initial=RatesForm.defaults(today))
    if form.is_bound and form.is_valid():
        period = form.cleaned_data["period"]
        by = form.cleaned_data["by"]
    else:
        # The year under way (its Decree 09 window) until the person picks another period.
        period = period_containing(today, PeriodType.YEARLY)
        by = "unit"
    rows = selectors.task_rates_table(user=request.user, by=by, date_from=period.start, date_to=period.end)
    if request.GET.get("export") == "xlsx":
        table = [
            [
                str(label),
                c.due,
                c.done_on_time,
                c.done_late,
                c.overdue_open,
                c.upcoming,
                c.waived,
                c.on_time_percent,
            ]
            for label, c in rows
        ]
        title = _("On-time rates of tasks, %(period)s") % {"period": period.label}
        content = write_table_xlsx(title, _rates_columns(), table, sheet_title=_("On-time rates"))
        return document_download(content, f"task-rates-{by}-{period.id}.xlsx")
    query = request.GET.copy()
    query.pop("export", None)
    query.update({"by": by, "period_type": period.type.value, "year": str(period.year), "number": str(period.number)})
    return render(
        request,
        "tasks/rates.html",
        {
            "form": form,
            "rows": rows,
            "period": period,
            "by": by,
            "export_query": _export_query(query),
        },
    )


def _export_query(query: QueryDict) -> str:
    return urlencode({**{k: query.get(k) for k in query}, "export": "xlsx"})
