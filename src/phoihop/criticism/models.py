"""Social criticism (phản biện xã hội) of drafts: the Front asks for opinions on a drafting
agency's draft, consolidates them into a critique document, and the agency answers every
opinion (tiếp thu, giải trình) by a deadline.

Who sees what is decided in `criticism.permissions`; the drafts themselves (versions and
opinions before consolidation) stay with the Front, the drafting agency and the invited
organisations.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from phoihop.core.models import BaseModel
from phoihop.orgs.models import Unit


class DraftKind(models.TextChoices):
    POLICY = "policy", _("Policy")
    PLAN = "plan", _("Plan")
    REGULATION = "regulation", _("Regulation")
    RESOLUTION = "resolution", _("Resolution")
    OTHER = "other", _("Other draft")


class CritiqueForm(models.TextChoices):
    CONFERENCE = "conference", _("Conference")
    WRITTEN = "written", _("Written opinions")
    DIALOGUE = "dialogue", _("Direct dialogue")


class Critique(BaseModel):
    """One criticism of one draft, run by a Front committee and addressed to the drafting agency."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        COLLECTING = "collecting", _("Collecting opinions")
        CONSOLIDATED = "consolidated", _("Critique document issued")
        DISPOSED = "disposed", _("Dispositions recorded")
        CLOSED = "closed", _("Closed")

    front_unit = models.ForeignKey(
        Unit, verbose_name=_("Front committee"), on_delete=models.PROTECT, related_name="critiques_run"
    )
    drafting_unit = models.ForeignKey(
        Unit, verbose_name=_("drafting agency"), on_delete=models.PROTECT, related_name="critiques_received"
    )
    title = models.CharField(_("title of the draft"), max_length=500)
    draft_kind = models.CharField(_("kind of draft"), max_length=16, choices=DraftKind, default=DraftKind.POLICY)
    form = models.CharField(_("form of criticism"), max_length=16, choices=CritiqueForm, default=CritiqueForm.WRITTEN)
    description = models.TextField(_("description"), blank=True)
    opinions_due = models.DateField(_("opinions due"))
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT, db_index=True)
    # The general assessment that opens the critique document, written by the Front.
    summary = models.TextField(_("general assessment"), blank=True)
    issued_on = models.DateField(_("critique document issued on"), null=True, blank=True)
    # issued_on + PHOIHOP_CRITIQUE_ANSWER_DAYS calendar days (Civil Code counting), fixed at issue.
    disposition_due = models.DateField(_("dispositions due"), null=True, blank=True, db_index=True)
    disposed_on = models.DateField(_("dispositions completed on"), null=True, blank=True)
    table_issued_on = models.DateField(_("disposition table issued on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+", null=True
    )
    invited_units = models.ManyToManyField(
        Unit, through="Invitation", related_name="critiques_invited", verbose_name=_("invited organisations")
    )

    class Meta:
        verbose_name = _("critique")
        verbose_name_plural = _("critiques")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(front_unit=models.F("drafting_unit")), name="critique_front_is_not_drafter"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("criticism:critique-detail", args=[self.pk])

    @property
    def deadline(self):
        """The next deadline that matters: opinions while collecting, dispositions once issued."""
        if self.status in (self.Status.DRAFT, self.Status.COLLECTING):
            return self.opinions_due
        if self.status == self.Status.CONSOLIDATED:
            return self.disposition_due
        return None

    @property
    def display_status(self) -> str:
        return str(self.get_status_display())

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class Invitation(BaseModel):
    """An organisation (a member organisation of the Front, or another body) asked for opinions."""

    critique = models.ForeignKey(Critique, on_delete=models.CASCADE, related_name="invitations")
    unit = models.ForeignKey(Unit, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("invited organisation")
        verbose_name_plural = _("invited organisations")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["critique", "unit"], name="invitation_once_per_unit")]

    def __str__(self) -> str:
        return self.unit.name


class Expert(BaseModel):
    """An expert asked for opinions; a person outside phoihop is a name, one inside may be a user."""

    critique = models.ForeignKey(Critique, on_delete=models.CASCADE, related_name="experts")
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account in phoihop"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="critique_expert_roles",
    )

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class DraftVersion(BaseModel):
    """One version of the draft as the drafting agency supplied it; version 2 answers the opinions on 1."""

    critique = models.ForeignKey(Critique, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to="criticism/drafts/%Y/", blank=True)
    note = models.TextField(_("note"), blank=True)
    received_on = models.DateField(_("received on"))

    class Meta:
        verbose_name = _("draft version")
        verbose_name_plural = _("draft versions")
        ordering = ["critique_id", "number"]
        constraints = [models.UniqueConstraint(fields=["critique", "number"], name="draft_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.critique} (v{self.number})"


class DraftSection(BaseModel):
    """A part of a version ("Điều 3", "Chương II") that opinions can point to."""

    version = models.ForeignKey(DraftVersion, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveIntegerField(_("order"), default=0)
    number = models.CharField(_("section number"), max_length=64, blank=True)
    heading = models.CharField(_("heading"), max_length=500, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("section of the draft")
        verbose_name_plural = _("sections of the draft")
        ordering = ["version_id", "order", "id"]

    def __str__(self) -> str:
        return " ".join(part for part in (self.number, self.heading) if part) or str(_("General"))


class Opinion(BaseModel):
    """An opinion of an invited organisation or an expert, optionally on one section.

    `included` and `consolidated_text` are the Front's choice and wording for the critique
    document; the author's own text stays as given.
    """

    critique = models.ForeignKey(Critique, on_delete=models.CASCADE, related_name="opinions")
    section = models.ForeignKey(
        DraftSection,
        verbose_name=_("section"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opinions",
    )
    author_unit = models.ForeignKey(
        Unit, verbose_name=_("organisation"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), on_delete=models.PROTECT, null=True, blank=True, related_name="opinions"
    )
    text = models.TextField(_("opinion"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    included = models.BooleanField(_("in the critique document"), default=False)
    consolidated_text = models.TextField(_("consolidated wording"), blank=True)
    # Position in the critique document and in the disposition table (STT).
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["critique_id", "order", "id"]
        constraints = [
            # An opinion has exactly one author: an organisation or an expert.
            models.CheckConstraint(
                condition=(Q(author_unit__isnull=False) & Q(expert__isnull=True))
                | (Q(author_unit__isnull=True) & Q(expert__isnull=False)),
                name="opinion_one_author",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def author_name(self) -> str:
        if self.expert_id:
            expert = self.expert
            return ", ".join(part for part in (expert.name, expert.organisation) if part)
        return self.author_unit.name if self.author_unit_id else ""

    @property
    def wording(self) -> str:
        """The text as it stands in the critique document."""
        return self.consolidated_text or self.text


class Disposition(BaseModel):
    """The drafting agency's answer to one opinion of the critique document."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Fully accepted")
        PARTLY = "partly", _("Partly accepted")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")

    opinion = models.OneToOneField(Opinion, on_delete=models.CASCADE, related_name="disposition")
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome)
    explanation = models.TextField(_("explanation"))
    changed_section = models.ForeignKey(
        DraftSection,
        verbose_name=_("section of the next version it changed"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dispositions",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_on = models.DateField(_("recorded on"))

    class Meta:
        verbose_name = _("disposition")
        verbose_name_plural = _("dispositions")
        constraints = [
            models.CheckConstraint(condition=~Q(explanation=""), name="disposition_has_explanation"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.opinion}"
