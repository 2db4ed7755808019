from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from phoihop.documents.models import IssuedNumber


@admin.register(IssuedNumber)
class IssuedNumberAdmin(admin.ModelAdmin):
    """Read-only: numbers are taken by services.document_issue() and never edited by hand."""

    list_display = ("__str__", "issuing_unit", "year", "kind", "issued_on", "target", "issued_by")
    list_filter = ("year", "kind")
    search_fields = ("symbol", "target", "issuing_unit__code", "issuing_unit__name")
    list_select_related = ("issuing_unit", "issued_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
