"""The documents insights writes from the data: review reports with their versions, and urging letters.

A review report (báo cáo sơ kết / tổng kết) is generated from a period's data, then edited —
in the browser or in Word and uploaded back — and finally issued with the next number of the
issuing body. Every state of its text is a `ReviewReportVersion` holding the DOCX as it was,
so an issued report can always be shown exactly as signed and an edit never overwrites another.

The DOCX bytes are kept in the database (BinaryField): they are small (tens of kB), they are
written in the same transaction as the version row, so a failed save leaves nothing behind,
and backups of the database hold the documents too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from phoihop.core.models import BaseModel


class ReviewReport(BaseModel):
    """The review of one agreement over one period, by one issuing body."""

    class Kind(models.TextChoices):
        INTERIM = "interim", _("Interim review")
        FINAL = "final", _("Final review")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")

    agreement = models.ForeignKey(
        "agreements.Agreement", verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="review_reports"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.INTERIM)
    date_from = models.DateField(_("period from"))
    date_to = models.DateField(_("period to"))
    # In practice the People's Committee and the Front issue the review jointly; the register
    # numbers a document per body, so one of them is named as the issuing body.
    issuing_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("issuing body"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=500)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT, db_index=True)
    # The number and symbol given by documents.services.document_issue() at issue ("07/BC-UBND").
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    symbol = models.CharField(_("symbol"), max_length=64, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(_("signed by"), max_length=255, blank=True)
    signer_title = models.CharField(_("title of the signer"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(max_length=8, blank=True, db_index=True)

    class Meta:
        verbose_name = _("review report")
        verbose_name_plural = _("review reports")
        ordering = ["-date_to", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(date_to__gte=models.F("date_from")), name="review_report_period_valid"),
            models.CheckConstraint(
                condition=~Q(status="issued") | (Q(number__isnull=False) & Q(issued_on__isnull=False)),
                name="review_report_issued_has_number",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("insights:report-detail", args=[self.pk])

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED


class ReviewReportVersion(BaseModel):
    """One state of a review report's text and its DOCX; numbered 1, 2, … per report."""

    class Source(models.TextChoices):
        GENERATED = "generated", _("Generated from the data")
        EDITED = "edited", _("Edited in the browser")
        # Translators: the source of a version of a review report: a DOCX edited in Word and uploaded back.
        UPLOADED = "uploaded", pgettext_lazy("version source", "Uploaded")
        ISSUED = "issued", _("Issued")

    report = models.ForeignKey(ReviewReport, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    source = models.CharField(_("source"), max_length=16, choices=Source)
    # Sections III, IV and V are the editor's text (prefilled with facts from the data); an
    # edited text of sections I and II replaces their generated narrative (tables stay).
    results_text = models.TextField(_("I. Results (edited text)"), blank=True)
    shortcomings_text = models.TextField(_("II. Shortcomings (edited text)"), blank=True)
    causes = models.TextField(_("III. Causes"), blank=True)
    directions = models.TextField(_("IV. Directions and tasks"), blank=True)
    proposals = models.TextField(_("V. Proposals"), blank=True)
    docx = models.BinaryField(_("DOCX file"))
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("review report version")
        verbose_name_plural = _("review report versions")
        ordering = ["report", "-number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="review_report_version_once")]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"


class UrgingLetter(BaseModel):
    """A letter urging a late unit (công văn đôn đốc), listing its overdue items with their deadlines."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")

    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("addressed to"), on_delete=models.PROTECT, related_name="urging_letters"
    )
    issuing_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("issuing body"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=500)
    # What was overdue when the letter was drafted, as it was then (kind, title, deadline, url):
    # the letter must keep saying what it said even after the unit catches up.
    items = models.JSONField(_("overdue items"), default=list)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT, db_index=True)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    symbol = models.CharField(_("symbol"), max_length=64, blank=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(_("signed by"), max_length=255, blank=True)
    signer_title = models.CharField(_("title of the signer"), max_length=255, blank=True)
    docx = models.BinaryField(_("DOCX file"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(max_length=8, blank=True, db_index=True)

    class Meta:
        verbose_name = _("urging letter")
        verbose_name_plural = _("urging letters")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | (Q(number__isnull=False) & Q(sent_on__isnull=False)),
                name="urging_letter_sent_has_number",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("insights:letter-detail", args=[self.pk])

    @property
    def is_sent(self) -> bool:
        return self.status == self.Status.SENT
