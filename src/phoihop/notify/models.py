"""What phoihop tells people: one row per message per recipient, shown in the inbox and mailed.

A reminder has a `key` ("tasks.task:12:due:3:2026-02-23"): the unique constraint on
(recipient, key) is what makes `run-schedules` safe to run twice or in two workers at once —
the second insert of the same reminder fails in the database, not in our code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from phoihop.core.models import BaseModel


class Kind(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    MENTIONED = "mentioned", _("Mentioned")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Escalated")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    # Translators: the kinds label items of every module (a task, an answer to a recommendation…), so they
    # carry their own context: the plain words read "confirmed as done" and "explanation" elsewhere.
    CONFIRMED = "confirmed", pgettext_lazy("notification kind", "Confirmed")
    COMMENTED = "commented", pgettext_lazy("notification kind", "Comment")
    INVITED = "invited", _("Invitation")
    ANSWERED = "answered", _("Answered")
    URGED = "urged", _("Urging letter")
    INFO = "info", _("Information")


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately, one e-mail per notification")
    DIGEST = "digest", _("Once a day, in a digest")
    OFF = "off", _("Never (the inbox only)")


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
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx"),
            # The digest looks for what is not yet e-mailed: a small, partial index.
            models.Index(fields=["recipient"], condition=Q(emailed_at__isnull=True), name="notification_unsent_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # Opening marks it read, then goes on to what it is about.
        return reverse("notify:open", args=[self.pk])


class Preference(BaseModel):
    """How a person wants to be e-mailed. No row means the defaults: a daily digest, nothing muted.

    The inbox always receives everything; these choices only decide the e-mail.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("person"),
    )
    email_mode = models.CharField(_("e-mail"), max_length=16, choices=EmailMode, default=EmailMode.DIGEST)
    # Kinds never e-mailed to this person (they still reach the inbox).
    muted_kinds = models.JSONField(_("kinds not e-mailed"), default=list, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user} — {self.email_mode}"


class DigestSent(models.Model):
    """One row per person and day a digest went out: the unique pair makes the digest daily, once.

    Inserted before the e-mail is sent (a second run or worker fails on the insert and sends
    nothing); deleted again if sending fails, so the next run tries once more.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_per_day")]

    def __str__(self) -> str:
        return f"{self.user} {self.day}"
