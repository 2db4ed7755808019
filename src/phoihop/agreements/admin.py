"""The Django admin for agreements: content areas edited through the services, the rest read-only.

Agreements, duties, occurrences, evidence and events change only through the services (the
screens, the API), which validate, re-plan occurrences and write the audit trail; the admin
offers a read-only look at them for support work. Areas are renamed, reordered and retired
here; never deleted (duties refer to them).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from phoihop.agreements import services
from phoihop.agreements.models import Agreement, AgreementParty, Area, Event, Evidence, Obligation, Occurrence


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "order", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("name", "code")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj is not None else ()  # the code is stable: imports and the API use it

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Area, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            fields = {name: data[name] for name in ("name", "order", "is_active") if name in data}
            services.area_update(actor=request.user, area=Area.objects.get(pk=obj.pk), **fields)
        else:
            created = services.area_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                order=data.get("order") or 0,
                is_active=data.get("is_active", True),
            )
            obj.pk = created.pk


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PartyInline(admin.TabularInline):
    model = AgreementParty
    fields = ("unit", "role", "focal_unit")
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "kind", "status", "effective_from", "effective_to", "owner_unit")
    list_filter = ("kind", "status", "province_code")
    search_fields = ("number", "title")
    list_select_related = ("owner_unit",)
    inlines = [PartyInline]


@admin.register(Obligation)
class ObligationAdmin(ReadOnlyAdmin):
    list_display = ("title", "agreement", "article_ref", "schedule_kind", "rrule", "deadline_rule", "schedule_version")
    list_filter = ("schedule_kind", "deadline_rule")
    search_fields = ("title", "agreement__number")
    list_select_related = ("agreement",)


@admin.register(Occurrence)
class OccurrenceAdmin(ReadOnlyAdmin):
    list_display = ("obligation", "key", "due_on", "state", "completed_on", "touched")
    list_filter = ("state", "touched", "province_code")
    date_hierarchy = "due_on"
    list_select_related = ("obligation",)


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("occurrence", "kind", "added_by", "created_at")
    list_filter = ("kind",)
    list_select_related = ("occurrence__obligation", "added_by")


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "host_unit", "starts_on", "ends_on")
    list_filter = ("kind",)
    date_hierarchy = "starts_on"
    list_select_related = ("host_unit",)
