"""What phoihop tells people: one row per message per recipient, shown in the inbox and mailed.

A reminder has a `key` ("tasks.task:12:due:3:2026-02-23"): the unique constraint on
(recipient, key) is what makes `run-schedules` safe to run twice or in two workers at once —
the second insert of the same reminder fails in the database, not in our code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from phoihop.core.models import BaseModel


class Kind(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    MENTIONED = "mentioned", _("Mentioned")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Escalated")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    CONFIRMED = "confirmed", _("Confirmed")
    COMMENTED = "commented", _("Comment")
    INVITED = "invited", _("Invitation")
    ANSWERED = "answered", _("Answered")
    URGED = "urged", _("Urging letter")
    INFO = "info", _("Information")


class Notification(BaseModel):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, db_index=True)
    # Written in the recipient's language when created (their inbox and e-mail read the same).
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    unit = models.ForeignKey(
        "orgs.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("unit")
    )
    # The record it is about, as "app_label.model:pk" (documents.services.target_key).
    target = models.CharField(max_length=128, blank=True, db_index=True)
    # Deduplication key of reminders and events; empty for messages that may repeat.
    key = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~Q(key=""), name="notification_once_per_key"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return self.title
