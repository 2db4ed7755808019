"""The Django admin for reporting: a read-only look for support work.

Indicators, forms, reports and values change only through the services (the screens, the API,
the DHIS2 interchange), which check types and states and write the audit trail. Editing a value
or a status here would bypass both, so the admin only shows.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from phoihop.reporting.models import (
    DataValue,
    FormField,
    FormSection,
    Indicator,
    ReportForm,
    Submission,
    SubmissionComment,
    ValidationRule,
)


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    pass


class SectionInline(ReadOnly, admin.TabularInline):
    model = FormSection
    fields = ("title", "order")
    extra = 0


class RuleInline(ReadOnly, admin.TabularInline):
    model = ValidationRule
    fields = ("name", "left", "operator", "right", "severity", "message")
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "value_type", "aggregation", "period_aggregation", "is_active")
    list_filter = ("value_type", "aggregation", "is_active")
    search_fields = ("code", "name")


@admin.register(ReportForm)
class ReportFormAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "period_type", "deadline_working_days", "owner_unit", "is_active")
    list_filter = ("period_type", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("owner_unit",)
    inlines = [SectionInline, RuleInline]


@admin.register(FormField)
class FormFieldAdmin(ReadOnlyAdmin):
    list_display = ("indicator", "section", "order", "required", "min_value", "max_value")
    list_select_related = ("indicator", "section")
    search_fields = ("indicator__code", "section__form__code")


class CommentInline(ReadOnly, admin.TabularInline):
    model = SubmissionComment
    fields = ("author", "text", "file", "created_at")
    readonly_fields = ("created_at",)
    extra = 0


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("form", "unit", "period_id", "status", "deadline", "submitted_on", "is_late")
    list_filter = ("status", "is_late", "form", "province_code")
    search_fields = ("unit__code", "unit__name", "period_id")
    list_select_related = ("form", "unit")
    inlines = [CommentInline]


@admin.register(DataValue)
class DataValueAdmin(ReadOnlyAdmin):
    list_display = ("indicator", "unit", "period_id", "category", "value_number", "value_text", "submission")
    list_filter = ("province_code",)
    search_fields = ("indicator__code", "unit__code", "period_id")
    list_select_related = ("indicator", "unit", "submission")
    # The table reaches millions of rows: no COUNT(*) on every page.
    show_full_result_count = False
