"""The register of issued documents (sổ đăng ký văn bản đi): one row per number given out.

Decree 30 numbers documents per issuing body per calendar year, from 01 on 1 January. A
number is taken only when a document is issued — drafts have none — so the register has no
gaps made by drafts that were abandoned.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from phoihop.core.models import BaseModel


class DocumentKind(models.TextChoices):
    """The kinds of Decree 30 (Phụ lục III); the value is the abbreviation in the symbol ("BC-MTTQ")."""

    DECISION = "QĐ", _("Decision")
    REGULATION = "QC", _("Regulation")
    PROGRAMME = "CTr", _("Programme")
    PLAN = "KH", _("Plan")
    REPORT = "BC", _("Report")
    NOTICE = "TB", _("Notice")
    SUBMISSION = "TTr", _("Submission")
    MINUTES = "BB", _("Minutes")
    INVITATION = "GM", _("Invitation")
    # A letter (công văn) has no abbreviation: its symbol is the issuing body's ("UBND-VX").
    LETTER = "CV", _("Official letter")


class IssuedNumber(BaseModel):
    """One number taken by one issued document: "05/BC-MTTQ" of 2026 for the Front committee."""

    issuing_unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="issued_numbers", verbose_name=_("issuing body")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("number"))
    symbol = models.CharField(_("symbol"), max_length=64)
    kind = models.CharField(_("document kind"), max_length=8, choices=DocumentKind)
    # The record the document was built from, as "app_label.model:pk" (a report submission, a
    # letter of urging…): the register stays independent of the modules that issue documents.
    target = models.CharField(_("issued for"), max_length=128, db_index=True)
    issued_on = models.DateField(_("date of the document"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )

    class Meta:
        verbose_name = _("issued document number")
        verbose_name_plural = _("register of issued documents")
        ordering = ["issuing_unit", "-year", "-sequence"]
        constraints = [
            # The guarantee behind document_issue(): two writers can never take the same number.
            models.UniqueConstraint(fields=["issuing_unit", "year", "sequence"], name="documents_number_once"),
            # One record is issued once per body: a second click returns the number it has.
            models.UniqueConstraint(fields=["issuing_unit", "target"], name="documents_target_once"),
            models.CheckConstraint(condition=models.Q(sequence__gte=1), name="documents_sequence_from_1"),
        ]

    def __str__(self) -> str:
        return self.number_and_symbol

    @property
    def number_and_symbol(self) -> str:
        """Return "05/BC-MTTQ" as printed after "Số:"."""
        return f"{self.sequence:02d}/{self.symbol}"
