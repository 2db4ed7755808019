"""The Django admin for plans and tasks: a read-only look for support work.

Every change goes through tasks.services (the pages, the API), which check the rules, roll the
progress up, notify people and write the audit trail; an admin edit would skip all of that.
"""

from __future__ import annotations

from django.contrib import admin

from phoihop.agreements.admin import ReadOnlyAdmin
from phoihop.tasks.models import Plan, Task, TaskAssignee, TaskUnit, TaskUpdate


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PartInline(ReadOnlyInline):
    model = TaskUnit
    fields = ("unit", "role", "status", "progress", "weight", "note")


class AssigneeInline(ReadOnlyInline):
    model = TaskAssignee
    fields = ("unit", "user")


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ("title", "year", "kind", "status", "owner_unit")
    list_filter = ("year", "kind", "status", "province_code")
    search_fields = ("title",)
    list_select_related = ("owner_unit",)


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "lead_unit", "status", "due_date", "progress", "plan")
    list_filter = ("status", "priority", "province_code")
    search_fields = ("title", "number")
    list_select_related = ("lead_unit", "plan")
    inlines = [PartInline, AssigneeInline]


@admin.register(TaskUpdate)
class TaskUpdateAdmin(ReadOnlyAdmin):
    list_display = ("task", "kind", "author", "created_at")
    list_filter = ("kind",)
    list_select_related = ("task", "author")
