"""Announcements that change the working-day calendar the `holidays` package computes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from phoihop.core.models import BaseModel


class CalendarAnnouncement(BaseModel):
    """One day an authority announced as a day off or as a make-up working day.

    The `holidays` package knows the statutory holidays and the swaps of past years; a swap
    announced after the installed release (the Ministry of Home Affairs usually announces the
    next year's in the autumn, and one-off bridge days at short notice) is entered here by an
    administrator and overrides the package for that date. `province_code` limits an
    announcement to one province (a provincial day off); blank means nationwide.
    """

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKING_DAY = "working_day", _("Make-up working day")

    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(
        _("name"), max_length=200, help_text=_("For example: Day off in place of Friday 02/01/2026.")
    )
    basis = models.CharField(
        _("announced by"),
        max_length=255,
        help_text=_("The announcing document, for example: Thông báo 6150/TB-BLĐTBXH."),
    )
    province_code = models.CharField(
        _("province code"),
        max_length=8,
        blank=True,
        help_text=_("Leave blank when the announcement applies nationwide."),
    )

    class Meta:
        verbose_name = _("calendar announcement")
        verbose_name_plural = _("calendar announcements")
        ordering = ["date", "province_code"]
        constraints = [
            models.UniqueConstraint(fields=["date", "province_code"], name="calendar_announcement_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["day_off", "working_day"]), name="calendar_announcement_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"
