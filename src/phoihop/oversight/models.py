"""Social supervision (giám sát): the Front's yearly programme, each supervision with its team,
activities and findings, and the recommendations (kiến nghị) it sends to agencies — answered by
a deadline, assessed by the Front, escalated to the Front above when left unanswered.

Documents (plan, decision, conclusion report, escalation letter) are never stored: they are built
from these rows when downloaded, and take their number from the documents register when issued.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from phoihop.core.models import BaseModel


class Form(models.TextChoices):
    """How a supervision is carried out (Quyết định 217-QĐ/TW; NQLT 403/2017)."""

    DOCUMENT_REVIEW = "document_review", _("Review of documents")
    TEAM = "team", _("Supervision team")
    INSPECTION_BOARD = "inspection_board", _("Through the People's Inspection Board")
    INVESTMENT_BOARD = "investment_board", _("Through the Community Investment Supervision Board")
    JOINT = "joint", _("Jointly with a state agency")


class SupervisionProgramme(BaseModel):
    """The yearly supervision programme of one Front committee (at any level)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")

    front_unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="supervision_programmes", verbose_name=_("Front committee")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT)
    # The number of the programme as issued on paper ("12/CTr-MTTQ"), typed in by the Front.
    document_number = models.CharField(_("document number"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("supervision programme")
        verbose_name_plural = _("supervision programmes")
        ordering = ["-year", "front_unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["front_unit", "year"], name="oversight_programme_once_a_year"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("oversight:programme-detail", args=[self.pk])


class ProgrammeItem(BaseModel):
    """One topic of a programme: what, whom, when (quarter), how."""

    programme = models.ForeignKey(
        SupervisionProgramme, on_delete=models.CASCADE, related_name="items", verbose_name=_("programme")
    )
    topic = models.CharField(_("topic"), max_length=255)
    subjects = models.ManyToManyField("orgs.Unit", related_name="+", verbose_name=_("supervised agencies"))
    planned_quarter = models.PositiveSmallIntegerField(
        _("planned quarter"), choices=[(q, q) for q in (1, 2, 3, 4)], default=1
    )
    form = models.CharField(_("form"), max_length=32, choices=Form, default=Form.TEAM)

    class Meta:
        verbose_name = _("programme item")
        verbose_name_plural = _("programme items")
        ordering = ["planned_quarter", "pk"]

    def __str__(self) -> str:
        return self.topic


class Supervision(BaseModel):
    """One supervision of one or more agencies by a Front committee."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        NOTIFIED = "notified", _("Plan sent to the agencies")
        # Translators: a supervision under way ("đang giám sát"); a task in progress reads otherwise.
        IN_PROGRESS = "in_progress", pgettext_lazy("supervision status", "In progress")
        CONCLUDED = "concluded", _("Concluded")
        CLOSED = "closed", _("Closed")

    programme_item = models.ForeignKey(
        ProgrammeItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervisions",
        verbose_name=_("programme item"),
    )
    front_unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="supervisions", verbose_name=_("Front committee")
    )
    title = models.CharField(_("title"), max_length=255)
    form = models.CharField(_("form"), max_length=32, choices=Form, default=Form.TEAM)
    subjects = models.ManyToManyField("orgs.Unit", related_name="supervised_in", verbose_name=_("supervised agencies"))
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PLANNED, db_index=True)
    content = models.TextField(_("content of the supervision"), blank=True)
    notified_on = models.DateField(_("plan sent on"), null=True, blank=True)
    # Set when a leader sent the plan later than the notice period allows, with the reason.
    notice_override_reason = models.TextField(_("reason for the short notice"), blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # A re-supervision points to the recommendation whose follow-up it is.
    follows_up = models.ForeignKey(
        "Recommendation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resupervisions",
        verbose_name=_("re-supervision of"),
    )

    class Meta:
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="oversight_supervision_dates"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("oversight:supervision-detail", args=[self.pk])


class TeamMember(BaseModel):
    """A person on the supervision team, from the Front or a member organisation."""

    class Role(models.TextChoices):
        HEAD = "head", _("Head of the team")
        MEMBER = "member", _("Member")

    supervision = models.ForeignKey(
        Supervision, on_delete=models.CASCADE, related_name="team", verbose_name=_("supervision")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_teams", verbose_name=_("person")
    )
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation"))
    role = models.CharField(_("role in the team"), max_length=16, choices=Role, default=Role.MEMBER)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["supervision", "user"], name="oversight_team_member_once"),
            # One head per team: the decision names one.
            models.UniqueConstraint(fields=["supervision"], condition=Q(role="head"), name="oversight_one_team_head"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class Activity(BaseModel):
    """A visit, a meeting or a document reviewed during the supervision."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        DOCUMENT = "document", _("Documents reviewed")
        MEETING = "meeting", _("Working session")

    supervision = models.ForeignKey(
        Supervision, on_delete=models.CASCADE, related_name="activities", verbose_name=_("supervision")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.VISIT)
    date = models.DateField(_("date"))
    note = models.TextField(_("note"))
    file = models.FileField(_("file"), upload_to="oversight/activities/%Y/", blank=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}"


class Finding(BaseModel):
    """What the team found (kết quả giám sát), one point per row, printed in the conclusion report."""

    supervision = models.ForeignKey(
        Supervision, on_delete=models.CASCADE, related_name="findings", verbose_name=_("supervision")
    )
    text = models.TextField(_("finding"))

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:80]


class Assessment(models.TextChoices):
    SATISFACTORY = "satisfactory", _("Satisfactory")
    PARTLY = "partly", _("Partly satisfactory")
    NOT_SATISFACTORY = "not_satisfactory", _("Not satisfactory")


class Recommendation(BaseModel):
    """A recommendation after supervision, addressed to exactly one agency, with its answer deadline."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ANSWERED = "answered", _("Answered")
        ASSESSED = "assessed", _("Assessed")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    supervision = models.ForeignKey(
        Supervision, on_delete=models.CASCADE, related_name="recommendations", verbose_name=_("supervision")
    )
    # Copied from the supervision so lists and figures filter without a join.
    front_unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("Front committee")
    )
    addressee = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="recommendations_received", verbose_name=_("addressee")
    )
    text = models.TextField(_("recommendation"))
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT, db_index=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    deadline = models.DateField(_("answer deadline"), null=True, blank=True, db_index=True)
    answer = models.TextField(_("answer"), blank=True)
    answer_file = models.FileField(_("answer file"), upload_to="oversight/answers/%Y/", blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # True when the Front recorded a paper answer on the agency's behalf.
    answer_on_paper = models.BooleanField(_("answer received on paper"), default=False)
    assessment = models.CharField(_("assessment"), max_length=24, choices=Assessment, blank=True)
    assessment_note = models.TextField(_("assessment note"), blank=True)
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["addressee", "status"], name="oversight_rec_addressee_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(status="withdrawn") | Q(sent_on__isnull=False, deadline__isnull=False),
                name="oversight_sent_has_deadline",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return reverse("oversight:recommendation-detail", args=[self.pk])

    @property
    def title(self) -> str:
        return self.text if len(self.text) <= 120 else self.text[:119] + "…"

    @property
    def is_answered(self) -> bool:
        return self.answered_on is not None


class FollowUp(BaseModel):
    """A follow-up action the Front decides after assessing an answer."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("recommendation")
    )
    text = models.TextField(_("action"))
    due_on = models.DateField(_("due date"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:80]


class Escalation(BaseModel):
    """A recommendation left unanswered, sent up to the Front above with a letter.

    One per recommendation (the unique constraint): the escalation run may go twice, or a
    button and the nightly job may race, and only one letter is ever issued.
    """

    recommendation = models.OneToOneField(
        Recommendation, on_delete=models.CASCADE, related_name="escalation", verbose_name=_("recommendation")
    )
    escalated_on = models.DateField(_("escalated on"))
    # The Front above; the supervising Front itself when it is already at the top (the letter then urges the agency).
    to_unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("escalated to"))
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    def __str__(self) -> str:
        return f"{self.recommendation} → {self.to_unit}"
