"""Periodic reporting up the hierarchy (Decree 09/2019 periods), after DHIS2's data model.

Indicator (DHIS2 data element) → ReportForm (data set) with sections and fields, assigned to
units; a Submission is one (form, unit, period) moving through draft → submitted → approved
(→ accepted by the level above), returned with a reason when wrong; DataValue rows hold the
numbers (one per indicator, unit, period and disaggregation option), so roll-up over the tree
and across periods is one aggregate query, live from the data — no nightly analytics run.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from phoihop.calendar.periods import PeriodType
from phoihop.core.models import BaseModel


class ValueType(models.TextChoices):
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Decimal number")
    PERCENT = "percent", _("Percentage")
    BOOLEAN = "boolean", _("Yes/no")
    TEXT = "text", _("Text")
    OPTION = "option", _("One of a list")
    DATE = "date", _("Date")


NUMERIC_TYPES = (ValueType.INTEGER, ValueType.DECIMAL, ValueType.PERCENT, ValueType.BOOLEAN)


class Aggregation(models.TextChoices):
    SUM = "sum", _("Sum")
    AVERAGE = "average", _("Average")
    MIN = "min", _("Minimum")
    MAX = "max", _("Maximum")
    LAST = "last", _("Last value")
    NONE = "none", _("None")


class Indicator(BaseModel):
    """A figure units report (DHIS2 data element): "households supported", "people reached"."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    value_type = models.CharField(_("value type"), max_length=16, choices=ValueType, default=ValueType.INTEGER)
    # For OPTION: [{"code": "yes", "name": "Có"}, ...]
    options = models.JSONField(_("options"), default=list, blank=True)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=64, blank=True)
    aggregation = models.CharField(
        _("aggregation over units"), max_length=16, choices=Aggregation, default=Aggregation.SUM
    )
    period_aggregation = models.CharField(
        _("aggregation over periods"), max_length=16, choices=Aggregation, default=Aggregation.SUM
    )
    area = models.ForeignKey(
        "agreements.Area",
        verbose_name=_("content area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Optional disaggregation (DHIS2 category options), e.g.
    # [{"code": "men", "name": "Nam"}, {"code": "women", "name": "Nữ"}].
    # Values are stored per option; the total is their sum.
    disaggregation = models.JSONField(_("disaggregation"), default=list, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def is_numeric(self) -> bool:
        return self.value_type in NUMERIC_TYPES


class ReportForm(BaseModel):
    """A form units fill in each period (DHIS2 data set)."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    period_type = models.CharField(_("period type"), max_length=16, choices=PeriodType)
    # Working days after the period's cut-off (Decree 09/2019 leaves it to each form; U for Quảng Ninh).
    deadline_working_days = models.PositiveSmallIntegerField(_("deadline (working days after the cut-off)"), default=2)
    owner_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("designed by"), on_delete=models.PROTECT, related_name="+"
    )
    # Who is expected to report: units of these kinds inside territories of these kinds
    # (e.g. people's committees in communes), plus units picked one by one.
    assigned_unit_kinds = models.JSONField(_("assigned unit kinds"), default=list, blank=True)
    assigned_territory_kinds = models.JSONField(_("in territories of kind"), default=list, blank=True)
    assigned_units = models.ManyToManyField("orgs.Unit", verbose_name=_("assigned units"), blank=True, related_name="+")
    approval_required = models.BooleanField(_("the unit's leader approves"), default=True)
    acceptance_required = models.BooleanField(_("the level above accepts"), default=False)
    obligation = models.ForeignKey(
        "agreements.Obligation",
        verbose_name=_("fulfils the obligation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_forms",
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("report form")
        verbose_name_plural = _("report forms")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reporting:form-detail", args=[self.pk])


class FormSection(BaseModel):
    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("title"), max_length=255)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class FormField(BaseModel):
    section = models.ForeignKey(FormSection, on_delete=models.CASCADE, related_name="fields")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="form_fields")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    required = models.BooleanField(_("required"), default=False)
    min_value = models.DecimalField(_("minimum"), max_digits=20, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=20, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return str(self.indicator)


class ValidationRule(BaseModel):
    """left operator right, e.g. "GUH_HANDED <= GUH_STARTED".

    Each side is a sum or difference of indicator codes and numbers.
    """

    class Operator(models.TextChoices):
        LT = "<", "<"
        LE = "<=", "≤"
        EQ = "==", "="
        NE = "!=", "≠"
        GE = ">=", "≥"
        GT = ">", ">"

    class Severity(models.TextChoices):
        ERROR = "error", _("Error (blocks submission)")
        WARNING = "warning", _("Warning (needs a comment)")

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(_("name"), max_length=255)
    left = models.CharField(_("left side"), max_length=255)
    operator = models.CharField(_("operator"), max_length=2, choices=Operator)
    right = models.CharField(_("right side"), max_length=255)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity, default=Severity.ERROR)
    message = models.CharField(_("message"), max_length=255)

    def __str__(self) -> str:
        return f"{self.left} {self.operator} {self.right}"


class Submission(BaseModel):
    """One unit's report on one form for one period."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")
        ACCEPTED = "accepted", _("Accepted by the level above")

    form = models.ForeignKey(ReportForm, on_delete=models.PROTECT, related_name="submissions")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="submissions")
    period_id = models.CharField(_("period"), max_length=16)
    period_start = models.DateField()
    period_end = models.DateField()
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT, db_index=True)
    # The first time it was submitted: timeliness is judged on it (a resubmission after a
    # return does not make an on-time report late, nor a late one on time).
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_late = models.BooleanField(_("late"), default=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_reason = models.TextField(_("reason for returning"), blank=True)
    # Comments that answer validation warnings, keyed by rule id.
    warning_comments = models.JSONField(default=dict, blank=True)
    province_code = models.CharField(max_length=8, blank=True, db_index=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["form", "unit", "period_id"], name="submission_unique_per_period"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="submission_period_valid"
            ),
        ]
        indexes = [models.Index(fields=["form", "period_id", "status"], name="submission_form_period_idx")]

    def __str__(self) -> str:
        return f"{self.form} · {self.unit} · {self.period_id}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:submission-detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status in (self.Status.APPROVED, self.Status.ACCEPTED, self.Status.SUBMITTED)


class DataValue(models.Model):
    """One number (or text) for an indicator, unit, period and disaggregation option.

    Stored independently of forms, as DHIS2 does, so the same indicator on two forms adds up
    once; `submission` links a value to the report it came with (for locking and history).
    Kept lean: this is the table that reaches millions of rows at national scale.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    period_id = models.CharField(max_length=16)
    period_start = models.DateField()
    period_end = models.DateField()
    # "" for the total of an indicator without disaggregation, else the option's code.
    category = models.CharField(max_length=32, blank=True, default="")
    value_number = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    value_text = models.TextField(blank=True)
    submission = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.CASCADE, related_name="values")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    province_code = models.CharField(max_length=8, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit", "period_id", "category"], name="datavalue_unique"),
        ]
        indexes = [
            models.Index(fields=["indicator", "period_start", "period_end"], name="datavalue_ind_period_idx"),
            models.Index(fields=["unit", "period_id"], name="datavalue_unit_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.unit_id}/{self.period_id}/{self.category}"


class SubmissionComment(BaseModel):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"), blank=True)
    file = models.FileField(_("file"), upload_to="reports/%Y/", blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:40]


class ImportJob(BaseModel):
    """A DHIS2 file imported from the web, run as a background job (django-tasks).

    The page polls `progress_*` while it runs and shows `report` (interchange.ImportReport as
    JSON) when it ends. The file is kept: it is what the audit event's import came from.
    """

    class Kind(models.TextChoices):
        VALUES = "values", _("Values (dataValueSets JSON or CSV)")
        METADATA = "metadata", _("Indicators and forms (DHIS2 metadata JSON)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Refused: nothing imported")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("what the file holds"), max_length=16, choices=Kind, default=Kind.VALUES)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.QUEUED)
    file = models.FileField(_("file"), upload_to="imports/%Y/")
    file_name = models.CharField(_("file name"), max_length=255)
    skip_invalid = models.BooleanField(_("import only the valid rows"), default=False)
    owner_unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("designs the new forms"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    progress_phase = models.CharField(max_length=16, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("reporting:import-job", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REFUSED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)
