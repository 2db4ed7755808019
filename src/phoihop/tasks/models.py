"""Coordination programmes and plans, their tasks, and who does what on each task.

A Plan (chương trình / kế hoạch phối hợp) implements an agreement for one year and is owned by
one unit. A Task has one lead unit and may have co-operating and observing units: each unit's
share is a TaskUnit row (the lead unit has one too, role "lead", so one join finds every unit
of a task). Tasks nest (subtasks through `parent`); a task's progress is stored and recomputed
by the services from its subtasks and co-operating parts. Every change of state goes through
`tasks.services`, which writes the audit trail and the TaskUpdate timeline.

On time (DOMAIN.md, core.rates.Compliance) is judged on `completed_on` — the day the work was
submitted as done — against `due_date`; confirmation keeps that date.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from phoihop.core.models import BaseModel


class Plan(BaseModel):
    """A year's coordination programme or plan of one unit, usually implementing an agreement."""

    class Kind(models.TextChoices):
        PROGRAMME = "programme", _("Coordination programme")
        PLAN = "plan", _("Coordination plan")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=500)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.PLAN)
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    owner_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("owner unit"), on_delete=models.PROTECT, related_name="owned_plans"
    )
    # The regulation or programme this plan implements (e.g. 194/QCPH); optional.
    agreement = models.ForeignKey(
        "agreements.Agreement",
        verbose_name=_("implements"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.ACTIVE, db_index=True)
    province_code = models.CharField(max_length=8, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-year", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"

    def get_absolute_url(self) -> str:
        return reverse("tasks:plan-detail", args=[self.pk])


class Task(BaseModel):
    """One piece of coordination work with a lead unit and a due date."""

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        # Translators: a task (or a unit's part of it) being carried out; a supervision in progress reads otherwise.
        IN_PROGRESS = "in_progress", pgettext_lazy("task status", "In progress")
        # Translators: a task reported as done, waiting for confirmation (not a submitted report).
        SUBMITTED = "submitted", pgettext_lazy("task status", "Submitted")
        CONFIRMED = "confirmed", _("Confirmed")
        RETURNED = "returned", _("Returned")
        BLOCKED = "blocked", _("Blocked")
        CANCELLED = "cancelled", _("Cancelled")

    class ProgressMode(models.TextChoices):
        AVERAGE = "average", _("Average")
        WEIGHTED = "weighted", _("Weighted")

    # Statuses in which work is still owed (reminders, overdue).
    OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.RETURNED, Status.BLOCKED)
    # Statuses that end a task: nothing more is expected from the units.
    CLOSED_STATUSES = (Status.CONFIRMED, Status.CANCELLED)

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent task"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # "1.2" within the plan: for display and for matching rows on re-import.
    number = models.CharField(_("number"), max_length=32, blank=True)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    area = models.ForeignKey(
        "agreements.Area",
        verbose_name=_("content area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    lead_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="led_tasks"
    )
    priority = models.CharField(_("priority"), max_length=8, choices=Priority, default=Priority.NORMAL)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.NEW)
    blocked_reason = models.TextField(_("reason for blocking"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    progress_mode = models.CharField(
        _("progress of subtasks"), max_length=16, choices=ProgressMode, default=ProgressMode.AVERAGE
    )
    weight = models.PositiveSmallIntegerField(_("weight"), default=1, validators=[MinValueValidator(1)])
    # Who assigned the task; may confirm it as well as the lead unit's leaders.
    assigner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks_assigned",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The day the work was submitted as done: what "on time" counts, kept when confirmed.
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The duty of an agreement this task is the evidence of.
    occurrence = models.ForeignKey(
        "agreements.Occurrence",
        verbose_name=_("duty"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    province_code = models.CharField(max_length=8, blank=True, db_index=True)
    # Where the task came from: "meetings.conclusion:7", "xlsx", "" (typed in).
    source = models.CharField(_("source"), max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(due_date__gte=models.F("start_date")),
                name="task_due_after_start",
            ),
            models.CheckConstraint(condition=Q(progress__gte=0) & Q(progress__lte=100), name="task_progress_percent"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="task_weight_positive"),
        ]
        indexes = [
            models.Index(fields=["status", "due_date"], name="task_status_due_idx"),
            models.Index(fields=["lead_unit", "status"], name="task_lead_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

    def get_absolute_url(self) -> str:
        return reverse("tasks:task-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class TaskUnit(models.Model):
    """One unit's share of a task: the lead, a co-operating unit or an observer."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        COOPERATING = "cooperating", _("Co-operating")
        OBSERVER = "observer", _("Observer")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        # Translators: a task (or a unit's part of it) being carried out; a supervision in progress reads otherwise.
        IN_PROGRESS = "in_progress", pgettext_lazy("task status", "In progress")
        DONE = "done", _("Done")
        BLOCKED = "blocked", _("Blocked")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="task_parts")
    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.COOPERATING)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.NEW)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    note = models.TextField(_("note"), blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1, validators=[MinValueValidator(1)])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("unit of a task")
        verbose_name_plural = _("units of a task")
        ordering = ["task", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="task_unit_unique"),
            models.CheckConstraint(condition=Q(progress__gte=0) & Q(progress__lte=100), name="task_unit_progress"),
        ]
        indexes = [models.Index(fields=["unit", "role"], name="task_unit_unit_role_idx")]

    def __str__(self) -> str:
        return f"{self.task} — {self.unit} ({self.get_role_display()})"


class TaskAssignee(models.Model):
    """A person of one of the task's units who works on it."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignees")
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="task_assignments"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assignee")
        verbose_name_plural = _("assignees")
        constraints = [models.UniqueConstraint(fields=["task", "user"], name="task_assignee_unique")]

    def __str__(self) -> str:
        return f"{self.task} — {self.user}"


class ChecklistItem(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="checklist")
    text = models.CharField(_("item"), max_length=500)
    done = models.BooleanField(_("done"), default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class TaskUpdate(BaseModel):
    """One entry of a task's timeline: a progress update, a comment, a leader's direction, a status change."""

    class Kind(models.TextChoices):
        UPDATE = "update", _("Progress update")
        COMMENT = "comment", pgettext_lazy("task timeline", "Comment")
        DIRECTION = "direction", _("Direction")
        STATUS = "status", _("Status change")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.COMMENT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    # The unit the author spoke for, when they act for one of the task's units.
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("text"), blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    file = models.FileField(_("file"), upload_to="tasks/%Y/", blank=True)
    status_from = models.CharField(_("status before"), max_length=16, choices=Task.Status, blank=True)
    status_to = models.CharField(_("status after"), max_length=16, choices=Task.Status, blank=True)

    class Meta:
        verbose_name = _("task update")
        verbose_name_plural = _("task updates")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.task} — {self.get_kind_display()}"


class Mention(models.Model):
    update = models.ForeignKey(TaskUpdate, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="task_mentions")

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [models.UniqueConstraint(fields=["update", "user"], name="task_mention_unique")]

    def __str__(self) -> str:
        return f"@{self.user.get_username()}"


class SavedFilter(BaseModel):
    """A person's named filter of one task list ("my", "unit", "plan"): the querystring as typed."""

    class View(models.TextChoices):
        MY = "my", _("My tasks")
        UNIT = "unit", _("My unit's tasks")
        PLAN = "plan", _("Plan")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_filters")
    name = models.CharField(_("name"), max_length=100)
    view = models.CharField(_("list"), max_length=8, choices=View, default=View.MY)
    query = models.CharField(_("filter"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "view", "name"], name="task_saved_filter_unique")]

    def __str__(self) -> str:
        return self.name
