"""Forms of the task screens. Forms check shape (required, lengths, dates, known codes); the
services in tasks.services check meaning (due before start, a lead unit also co-operating, a
parent cycle, a transition not allowed) and their ValidationErrors land beside the field they
name through `add_service_errors`.

Units are typed by code with suggestions (agreements.forms.UnitCodeField): the directory of
bodies is public inside the system and a select of every body of a province is too long for a
phone.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from phoihop.agreements.forms import UnitCodeField, add_service_errors
from phoihop.agreements.models import Agreement, Area
from phoihop.calendar.periods import PeriodType, make_period
from phoihop.orgs.models import Unit
from phoihop.tasks.models import Plan, SavedFilter, Task, TaskUnit, TaskUpdate
from phoihop.tasks.selectors import display_status_choices

__all__ = [
    "AssignForm",
    "ChecklistForm",
    "CommentForm",
    "ImportForm",
    "OccurrenceLinkForm",
    "PartForm",
    "PlanForm",
    "RatesForm",
    "ReasonForm",
    "SavedFilterForm",
    "TaskFilterForm",
    "TaskForm",
    "TransitionForm",
    "add_service_errors",
]

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _check_upload(upload: Any) -> Any:
    if upload and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            gettext("The file is larger than %(limit)s MB. Upload a smaller file."),
            code="too_large",
            params={"limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
        )
    return upload


class UnitCodesField(forms.CharField):
    """Several units typed by code, separated by commas or spaces ("22-MTTQ, 22-HLHPN")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple | QuerySet):
            return ", ".join(u.code if isinstance(u, Unit) else str(u) for u in value)
        return super().prepare_value(value)

    def clean(self, value: Any) -> list[Unit]:
        text = super().clean(value) or ""
        codes = [c for c in re.split(r"[,;\s]+", text) if c]
        if not codes:
            return []
        found = {u.code.lower(): u for u in Unit.objects.filter(code__in=codes, valid_to__isnull=True)}
        # Codes are matched as typed; a second, case-blind pass for the rest.
        for code in codes:
            if code.lower() not in found:
                unit = Unit.objects.filter(code__iexact=code, valid_to__isnull=True).first()
                if unit is not None:
                    found[code.lower()] = unit
        unknown = [c for c in codes if c.lower() not in found or found[c.lower()].is_territory]
        if unknown:
            raise ValidationError(
                gettext("No open body has the code %(codes)s. Pick codes from the suggestions."),
                code="unknown_unit",
                params={"codes": ", ".join(unknown)},
            )
        units: list[Unit] = []
        for code in codes:
            if found[code.lower()] not in units:
                units.append(found[code.lower()])
        return units


# Filters --------------------------------------------------------------------------------------------


class TaskFilterForm(forms.Form):
    """The filters every task list shares; the querystring is what a saved filter stores."""

    q = forms.CharField(label=_("Search words"), required=False, max_length=200)
    unit = UnitCodeField(label=_("Unit"), required=False)
    role = forms.ChoiceField(
        label=_("Role in the task"), required=False, choices=[("", _("Any role")), *TaskUnit.Role.choices]
    )
    area = forms.ModelChoiceField(label=_("Content area"), required=False, queryset=Area.objects.none())
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[])
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    due_this_week = forms.BooleanField(label=_("Due this week"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.order_by("order", "name")
        self.fields["area"].empty_label = gettext("Any area")
        # The stored statuses and "overdue", which the selector computes from the due date.
        self.fields["status"].choices = [("", gettext("Any status")), *display_status_choices()]

    def selector_filters(self) -> dict[str, Any]:
        """The filters for tasks.selectors.task_list, without the empty ones."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "", False)}

    @property
    def in_use(self) -> bool:
        return bool(self.is_bound and (self.errors or self.selector_filters()))


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Name of the filter"), max_length=100)
    view = forms.ChoiceField(choices=SavedFilter.View.choices, widget=forms.HiddenInput)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


# Plans ----------------------------------------------------------------------------------------------


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500)
    kind = forms.ChoiceField(label=_("Kind"), choices=Plan.Kind.choices, initial=Plan.Kind.PLAN)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    owner_unit = forms.ModelChoiceField(label=_("Owner unit"), queryset=Unit.objects.none())
    agreement = forms.ModelChoiceField(
        label=_("Implements"),
        queryset=Agreement.objects.none(),
        required=False,
        help_text=_("The coordination regulation or programme this plan carries out, if any."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    status = forms.ChoiceField(label=_("Status"), choices=Plan.Status.choices, initial=Plan.Status.ACTIVE)

    def __init__(
        self, *args: Any, owners: QuerySet[Unit], agreements: QuerySet[Agreement], plan: Plan | None = None, **kwargs
    ) -> None:
        if plan is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": plan.title,
                    "kind": plan.kind,
                    "year": plan.year,
                    "owner_unit": plan.owner_unit_id,
                    "agreement": plan.agreement_id,
                    "description": plan.description,
                    "status": plan.status,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = owners
        self.fields["agreement"].queryset = agreements.order_by("-effective_from", "number")
        if plan is not None:
            # The owner does not change after creation: the plan's tasks and their scope hang on it.
            del self.fields["owner_unit"]


# Tasks ----------------------------------------------------------------------------------------------


class TaskForm(forms.Form):
    """Create or edit a task; the service raises the rules that span fields."""

    number = forms.CharField(
        label=_("Number"), max_length=32, required=False, help_text=_("Its number in the plan, for example 1.2.")
    )
    title = forms.CharField(label=_("Title"), max_length=500)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    lead_unit = UnitCodeField(label=_("Lead unit"), help_text=_("The code of the unit in charge, for example 22-MTTQ."))
    cooperating_units = UnitCodesField(
        label=_("Co-operating units"), help_text=_("Codes separated by commas, for example 22-HLHPN, 22-SONV.")
    )
    observer_units = UnitCodesField(label=_("Observer units"), help_text=_("Codes separated by commas."))
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DATE_INPUT)
    due_date = forms.DateField(label=_("Due date"), widget=DATE_INPUT)
    priority = forms.ChoiceField(label=_("Priority"), choices=Task.Priority.choices, initial=Task.Priority.NORMAL)
    area = forms.ModelChoiceField(label=_("Content area"), queryset=Area.objects.none(), required=False)
    parent = forms.ModelChoiceField(label=_("Parent task"), queryset=Task.objects.none(), required=False)
    weight = forms.IntegerField(
        label=_("Weight"),
        min_value=1,
        max_value=100,
        initial=1,
        help_text=_("How much this task counts in its parent's progress when that is weighted."),
    )
    progress_mode = forms.ChoiceField(
        label=_("Progress of subtasks"), choices=Task.ProgressMode.choices, initial=Task.ProgressMode.AVERAGE
    )

    def __init__(self, *args: Any, parents: QuerySet[Task] | None = None, task: Task | None = None, **kwargs) -> None:
        if task is not None:
            parts = list(task.units.select_related("unit"))
            kwargs.setdefault(
                "initial",
                {
                    "number": task.number,
                    "title": task.title,
                    "description": task.description,
                    "lead_unit": task.lead_unit,
                    "cooperating_units": [p.unit for p in parts if p.role == TaskUnit.Role.COOPERATING],
                    "observer_units": [p.unit for p in parts if p.role == TaskUnit.Role.OBSERVER],
                    "start_date": task.start_date,
                    "due_date": task.due_date,
                    "priority": task.priority,
                    "area": task.area_id,
                    "parent": task.parent_id,
                    "weight": task.weight,
                    "progress_mode": task.progress_mode,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(is_active=True).order_by("order", "name")
        if parents is None:
            del self.fields["parent"]
        else:
            self.fields["parent"].queryset = parents.order_by("number", "due_date", "pk")

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["description"] = data.get("description") or ""
        data["number"] = data.get("number") or ""
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class TransitionForm(forms.Form):
    """A transition picked on the task page or on a board card; the reason only where the action needs one."""

    action = forms.CharField(max_length=16)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    # Submitting: the day the work was actually done when it is reported later (on-time rates count it).
    completed_on = forms.DateField(label=_("Day the work was done"), required=False, widget=DATE_INPUT)


class PartForm(forms.Form):
    status = forms.ChoiceField(label=_("Status of the part"), choices=TaskUnit.Status.choices)
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    users = forms.ModelMultipleChoiceField(
        label=_("People"), queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, people: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = people


class ChecklistForm(forms.Form):
    text = forms.CharField(label=_("New checklist item"), max_length=500)


class CommentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[], initial="comment")
    text = forms.CharField(
        label=_("Content of the entry"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
        help_text=_("Write @ and a username to mention someone, for example @xa.lanhdao."),
    )
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100, required=False)
    file = forms.FileField(label=_("File"), required=False)

    def __init__(self, *args: Any, may_direct: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # People write comments and progress updates; "status" entries come from the transitions
        # only, and a direction only from those who may direct (the service checks again).
        Kind = TaskUpdate.Kind
        kinds = [(Kind.COMMENT, Kind.COMMENT.label), (Kind.UPDATE, Kind.UPDATE.label)]
        if may_direct:
            kinds.append((Kind.DIRECTION, Kind.DIRECTION.label))
        self.fields["kind"].choices = kinds

    def clean_file(self) -> Any:
        return _check_upload(self.cleaned_data.get("file"))


class OccurrenceLinkForm(forms.Form):
    occurrence = forms.ModelChoiceField(label=_("Duty of an agreement"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, occurrences: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurrence"].queryset = occurrences
        self.fields["occurrence"].label_from_instance = lambda o: (
            f"{o.obligation.agreement.number} · {o.obligation.title} · {o.due_on:%d/%m/%Y}"
        )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("XLSX file"), help_text=_("Fill in the template downloaded from this page."))

    def clean_file(self) -> Any:
        return _check_upload(self.cleaned_data.get("file"))


# On-time rates --------------------------------------------------------------------------------------


RATE_PERIOD_TYPES = [
    (PeriodType.YEARLY.value, _("Year")),
    (PeriodType.SIX_MONTHLY.value, _("Half-year")),
    (PeriodType.QUARTERLY.value, _("Quarter")),
]


class RatesForm(forms.Form):
    """A period for the on-time rates: a year, a half or a quarter (calendar.periods windows)."""

    by = forms.ChoiceField(label=_("Per"), choices=[("unit", _("Lead unit")), ("area", _("Content area"))])
    period_type = forms.ChoiceField(label=_("Period"), choices=RATE_PERIOD_TYPES)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    number = forms.IntegerField(
        label=_("Half or quarter"),
        min_value=1,
        max_value=4,
        required=False,
        help_text=_("1 or 2 for a half; 1 to 4 for a quarter."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, year = data.get("period_type"), data.get("year")
        if kind and year:
            number = data.get("number") or 1
            try:
                data["period"] = make_period(kind, year, number if kind != PeriodType.YEARLY else 1)
            except ValueError:
                self.add_error("number", gettext("A year has two halves and four quarters."))
        return data

    @staticmethod
    def defaults(today: dt.date) -> dict[str, Any]:
        return {"by": "unit", "period_type": PeriodType.YEARLY.value, "year": today.year, "number": 1}
