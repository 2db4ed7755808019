"""The Django admin for supervision: a read-only look for support work.

Every change goes through oversight.services (deadlines, notifications, numbering, the audit
trail); an edit here would skip all of it, so nothing is editable.
"""

from __future__ import annotations

from django.contrib import admin

from phoihop.oversight.models import Escalation, Recommendation, Supervision, SupervisionProgramme
from phoihop.reporting.admin import ReadOnlyAdmin


@admin.register(SupervisionProgramme)
class SupervisionProgrammeAdmin(ReadOnlyAdmin):
    list_display = ("year", "title", "front_unit", "status", "document_number")
    list_filter = ("year", "status")


@admin.register(Supervision)
class SupervisionAdmin(ReadOnlyAdmin):
    list_display = ("title", "front_unit", "form", "starts_on", "status")
    list_filter = ("status", "form")
    search_fields = ("title",)


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ("pk", "addressee", "front_unit", "status", "deadline", "answered_on", "assessment")
    list_filter = ("status", "assessment")
    list_select_related = ("addressee", "front_unit")


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("recommendation", "to_unit", "escalated_on")
    list_select_related = ("recommendation", "to_unit")
