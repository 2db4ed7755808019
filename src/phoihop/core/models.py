from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Every domain record knows when it was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One change of state, login or logout: append-only and hash-chained.

    Each row's hash covers its own content and the previous row's hash, so editing or deleting
    a row behind the application's back breaks the chain at that row (`phoihop audit verify`).
    Rows are written only by core.audit.audit_record(), inside the transaction of the change.
    """

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The username at the time, so the trail reads right even after a rename.
    actor_label = models.CharField(_("person"), max_length=150, blank=True)
    verb = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("record type"), max_length=64, blank=True)
    target_id = models.CharField(_("record id"), max_length=64, blank=True)
    target_repr = models.CharField(_("record"), max_length=255, blank=True)
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb} {self.target_repr}"


class SearchDocument(models.Model):
    """The folded text of one searchable record, for the global search box.

    Modules register their models in core.search; this table is kept in step on save and
    delete. `unit` carries the record's organisation so results pass the same scope filter as
    every other list. On SQLite an FTS5 table mirrors `text`; on PostgreSQL a trigram index
    serves it (migration 0002).
    """

    model = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=255)
    subtitle = models.CharField(max_length=255, blank=True)
    url = models.CharField(max_length=255)
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "object_id"], name="search_document_unique")]

    def __str__(self) -> str:
        return self.title
