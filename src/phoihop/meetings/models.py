"""Joint meetings, the people and units invited to them, their conclusions, and calendar feeds.

A Meeting (giao ban, hội nghị, sơ kết, tổng kết) is hosted by one unit and invites units and
people. Inviting a unit invites its officers and leaders, one Invitation per person, so each
person's answer (accepted / declined) is their own. A Conclusion of the meeting becomes a task
of the tasks module in one step (`services.conclusion_to_task`), at most once.

Invitations go out by e-mail with an iCalendar (RFC 5545) attachment: `uid` is the meeting's
identity in every calendar program and `sequence` grows with each change, so an update
replaces the event instead of adding a second one.

A CalendarFeed is a secret address (token) that calendar programs poll without logging in. Only
a hash of the token is stored, so a copy of the database does not open anyone's calendar.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from phoihop.core.models import BaseModel


class Meeting(BaseModel):
    class Kind(models.TextChoices):
        BRIEFING = "briefing", _("Briefing")
        CONFERENCE = "conference", _("Conference")
        INTERIM_REVIEW = "interim_review", _("Interim review")
        FINAL_REVIEW = "final_review", _("Final review")
        OTHER = "other", _("Other meeting")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.BRIEFING)
    # Aware datetimes, stored in UTC and shown in Asia/Ho_Chi_Minh.
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=255, blank=True)
    host_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("host unit"), on_delete=models.PROTECT, related_name="hosted_meetings"
    )
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PLANNED, db_index=True)
    plan = models.ForeignKey(
        "tasks.Plan",
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
        help_text=_("The tasks made from the conclusions go into this plan."),
    )
    agreement = models.ForeignKey(
        "agreements.Agreement",
        verbose_name=_("agreement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
    )
    # The iCalendar identity: stable for the meeting's life, unique across installations.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # RFC 5545 SEQUENCE: bumped on every change the invitees must see (time, place, cancellation).
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    province_code = models.CharField(max_length=8, blank=True, db_index=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:meeting-detail", args=[self.pk])


class MeetingUnit(BaseModel):
    """A unit invited as a body (its officers and leaders each get an Invitation)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invited_units")
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("invited unit")
        verbose_name_plural = _("invited units")
        constraints = [models.UniqueConstraint(fields=["meeting", "unit"], name="meeting_unit_unique")]

    def __str__(self) -> str:
        return str(self.unit)


class Invitation(BaseModel):
    """One person invited, with their answer."""

    class Response(models.TextChoices):
        INVITED = "invited", _("No answer yet")
        ACCEPTED = "accepted", _("Attending")
        DECLINED = "declined", _("Not attending")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invitee"),
        on_delete=models.CASCADE,
        related_name="meeting_invitations",
    )
    # The invited unit through which the person came; empty when invited by name.
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    response = models.CharField(_("answer"), max_length=16, choices=Response, default=Response.INVITED)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="meeting_invitation_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_response_display()}"


class MeetingFile(BaseModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="files")
    title = models.CharField(_("title"), max_length=255, blank=True)
    file = models.FileField(_("file"), upload_to="meetings/%Y/")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("meeting file")
        verbose_name_plural = _("meeting files")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title or self.file.name


class Conclusion(BaseModel):
    """One conclusion of a meeting (kết luận); may become one task."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="conclusions")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("conclusion"))
    lead_unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("suggested lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_date = models.DateField(_("suggested due date"), null=True, blank=True)
    # One conclusion, one task: the unique constraint keeps a double click from making two.
    task = models.OneToOneField(
        "tasks.Task",
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meeting_conclusion",
    )

    class Meta:
        verbose_name = _("conclusion")
        verbose_name_plural = _("conclusions")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class CalendarFeed(BaseModel):
    """A secret address for a calendar program: the owner's own items, or one of their units'."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    # Empty: "my feed" (what the owner's units owe and the meetings they are invited to).
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    # SHA-256 of the token; the token itself is shown once, when the feed is made.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the token, so the owner can tell their feeds apart.
    token_hint = models.CharField(max_length=8, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name or self.token_hint

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
