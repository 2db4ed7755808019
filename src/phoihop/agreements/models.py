"""Coordination agreements, their clauses as obligations, and the dated occurrences of each duty.

An Agreement (quy chế, chương trình, kế hoạch, nghị quyết liên tịch, bản ghi nhớ) is signed by
parties (units). Each clause becomes an Obligation: who owes what to whom, on which schedule,
by which deadline rule. `services.occurrences_generate()` turns each schedule into dated
Occurrences, idempotently; units complete them with Evidence. Events (council sessions, joint
meetings) drive the obligations that fall due "before/after each session".

The schedule is stored as an RFC 5545 recurrence (`rrule`, read by python-dateutil), never a
home-made format: "every 6 months" is `FREQ=MONTHLY;INTERVAL=6`, "yearly on 17/10" is
`FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=17`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from phoihop.core.models import BaseModel


class Area(BaseModel):
    """A content area of coordination (lĩnh vực phối hợp); an editable list seeded from DOMAIN.md §2."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("content area")
        verbose_name_plural = _("content areas")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Agreement(BaseModel):
    class Kind(models.TextChoices):
        REGULATION = "regulation", _("Coordination regulation")
        PROGRAMME = "programme", _("Coordination programme")
        PLAN = "plan", _("Coordination plan")
        JOINT_RESOLUTION = "joint_resolution", _("Joint resolution")
        MEMORANDUM = "memorandum", _("Memorandum")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_FORCE = "in_force", _("In force")
        EXPIRED = "expired", _("Expired")
        REPLACED = "replaced", _("Replaced")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind, db_index=True)
    # As written on the document ("194/QCPH"); not unique: numbers restart each year per body.
    number = models.CharField(_("number and symbol"), max_length=64, db_index=True)
    title = models.CharField(_("title"), max_length=500)
    summary = models.TextField(_("summary"), blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_place = models.CharField(_("signed at"), max_length=128, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT, db_index=True)
    # The unit that registered it and keeps it up to date; drafts are visible to it only.
    owner_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="owned_agreements"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("implements"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    replaced_by = models.ForeignKey(
        "self", verbose_name=_("replaced by"), null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )
    areas = models.ManyToManyField(Area, verbose_name=_("content areas"), blank=True, related_name="agreements")
    # Scale key (DESIGN.md §6): large tables carry the province so they can be sharded by it.
    province_code = models.CharField(max_length=8, blank=True, db_index=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="agreement_period_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("agreements:agreement-detail", args=[self.pk])


class AgreementParty(BaseModel):
    class Role(models.TextChoices):
        SIGNATORY = "signatory", _("Signatory")
        LEAD = "lead", _("Lead")
        MEMBER = "member", _("Member")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="agreement_parties"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.SIGNATORY)
    # The unit's focal point (đầu mối) for this agreement, e.g. Văn phòng UBND for the UBND side.
    focal_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("focal unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signer = models.CharField(_("signed by"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [models.UniqueConstraint(fields=["agreement", "unit"], name="agreement_party_unique")]

    def __str__(self) -> str:
        return f"{self.unit} ({self.get_role_display()})"


class AgreementFile(BaseModel):
    class Kind(models.TextChoices):
        SCAN = "scan", _("Signed scan (PDF)")
        DOCX = "docx", _("Word document")
        OTHER = "other", _("Other")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.SCAN)
    title = models.CharField(_("title"), max_length=255, blank=True)
    file = models.FileField(_("file"), upload_to="agreements/%Y/")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("agreement file")
        verbose_name_plural = _("agreement files")

    def __str__(self) -> str:
        return self.title or self.file.name


class Amendment(BaseModel):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="amendments")
    number = models.CharField(_("number and symbol"), max_length=64, blank=True)
    date = models.DateField(_("date"))
    summary = models.TextField(_("what changed"))
    file = models.FileField(_("file"), upload_to="agreements/amendments/%Y/", blank=True)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.number or self.date}"


class Event(BaseModel):
    """A dated session or meeting that obligations hang on ("before each regular session of the HĐND")."""

    class Kind(models.TextChoices):
        COUNCIL_REGULAR_SESSION = "council_regular_session", _("Regular session of the People's Council")
        COUNCIL_SPECIAL_SESSION = "council_special_session", _("Special session of the People's Council")
        JOINT_MEETING = "joint_meeting", _("Joint meeting")
        COMMITTEE_MEETING = "committee_meeting", _("Meeting of the People's Committee")
        CONFERENCE = "conference", _("Conference")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind, db_index=True)
    title = models.CharField(_("title"), max_length=255)
    host_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("host"), on_delete=models.PROTECT, related_name="hosted_events"
    )
    starts_on = models.DateField(_("starts on"), db_index=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_on"]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_on:%d/%m/%Y})"


class Obligation(BaseModel):
    class ScheduleKind(models.TextChoices):
        ONCE = "once", _("Once")
        RECURRING = "recurring", _("Recurring")
        EVENT = "event", _("Before or after each event")

    class DeadlineRule(models.TextChoices):
        FIXED_DATE = "fixed_date", _("On a fixed date")
        AFTER_PERIOD_END = "after_period_end", _("N days after the period ends")
        BEFORE_EVENT = "before_event", _("N days before the event")
        AFTER_EVENT = "after_event", _("N days after the event")
        DATE_OF_PREVIOUS_YEAR = "date_of_previous_year", _("By a date of the year before")

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="obligations"
    )
    article_ref = models.CharField(
        _("article"), max_length=64, blank=True, help_text=_('For example "Điều 5, khoản 2".')
    )
    title = models.CharField(_("duty"), max_length=255)
    text = models.TextField(_("text of the clause"), blank=True)
    owing_units = models.ManyToManyField("orgs.Unit", verbose_name=_("owed by"), related_name="obligations_owed")
    receiving_units = models.ManyToManyField(
        "orgs.Unit", verbose_name=_("owed to"), blank=True, related_name="obligations_received"
    )
    area = models.ForeignKey(Area, verbose_name=_("content area"), on_delete=models.PROTECT, related_name="obligations")
    schedule_kind = models.CharField(_("schedule"), max_length=16, choices=ScheduleKind, default=ScheduleKind.RECURRING)
    # RFC 5545 RRULE body without DTSTART (the agreement's period gives it), e.g. "FREQ=MONTHLY;INTERVAL=6".
    rrule = models.CharField(_("recurrence (RFC 5545)"), max_length=255, blank=True)
    event_kind = models.CharField(_("event kind"), max_length=32, choices=Event.Kind, blank=True)
    deadline_rule = models.CharField(
        _("deadline"), max_length=32, choices=DeadlineRule, default=DeadlineRule.AFTER_PERIOD_END
    )
    deadline_days = models.PositiveSmallIntegerField(_("number of days"), default=0)
    deadline_working_days = models.BooleanField(_("count working days"), default=False)
    # For FIXED_DATE (once) the date itself; for DATE_OF_PREVIOUS_YEAR only its day and month count.
    deadline_date = models.DateField(_("deadline date"), null=True, blank=True)
    # What counts as evidence: any of "note", "file", "task", "submission".
    evidence_kinds = models.JSONField(_("accepted evidence"), default=list, blank=True)
    # Bumped when the schedule or deadline changes, so regeneration knows which rule made an occurrence.
    schedule_version = models.PositiveIntegerField(default=1)
    # The day the schedule or deadline was last edited: occurrences due on or before it keep the
    # rule they were made under, so a later run of generation does not add past duties under the
    # new rule (they would all be overdue at once).
    schedule_changed_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["agreement", "article_ref", "id"]

    def __str__(self) -> str:
        return f"{self.article_ref} {self.title}".strip()

    def get_absolute_url(self) -> str:
        return reverse("agreements:obligation-detail", args=[self.pk])


class Occurrence(BaseModel):
    """One dated instance of a duty. Made by services.occurrences_generate(), idempotently."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        WAIVED = "waived", _("Waived")

    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="occurrences")
    # Stable identity of the occurrence within its obligation: the period ("2024-01-01/2024-03-31"),
    # the event ("event:12") or "once". The unique constraint makes concurrent generation safe.
    key = models.CharField(max_length=64)
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.CASCADE, related_name="occurrences")
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    due_on = models.DateField(_("due on"), db_index=True)
    state = models.CharField(_("state"), max_length=8, choices=State, default=State.OPEN, db_index=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waived_reason = models.TextField(_("reason for waiving"), blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Someone acted on it (evidence, completion, waiver): regeneration never replaces it.
    touched = models.BooleanField(default=False)
    schedule_version = models.PositiveIntegerField(default=1)
    province_code = models.CharField(max_length=8, blank=True, db_index=True)

    class Meta:
        verbose_name = _("occurrence")
        verbose_name_plural = _("occurrences")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["obligation", "key"], name="occurrence_unique_key"),
            models.CheckConstraint(
                condition=~Q(state="done") | Q(completed_on__isnull=False), name="occurrence_done_has_date"
            ),
        ]
        indexes = [models.Index(fields=["state", "due_on"], name="occurrence_state_due_idx")]

    def __str__(self) -> str:
        return f"{self.obligation} — {self.due_on:%d/%m/%Y}"


class Evidence(BaseModel):
    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        FILE = "file", _("File")
        TASK = "task", _("Task")
        SUBMISSION = "submission", _("Report submission")

    occurrence = models.ForeignKey(Occurrence, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    note = models.TextField(_("note"), blank=True)
    file = models.FileField(_("file"), upload_to="evidence/%Y/", blank=True)
    # A record of a later module (a task, a report submission): "tasks.task:12".
    linked_record = models.CharField(_("linked record"), max_length=64, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.note[:40] or self.file.name or self.linked_record}"
