"""The Django admin for meetings: a read-only look for support work.

Meetings, invitations, conclusions and feeds change only through meetings.services (the
screens, the API), which check the host's rights, send the invitations and write the audit
trail; an edit here would do none of that.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from phoihop.meetings.models import CalendarFeed, Conclusion, Invitation, Meeting


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InvitationInline(admin.TabularInline):
    model = Invitation
    fields = ("user", "unit", "response", "responded_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ConclusionInline(InvitationInline):
    model = Conclusion
    fields = ("order", "text", "lead_unit", "due_date", "task")


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "starts_at", "host_unit", "status", "sequence")
    list_filter = ("kind", "status")
    search_fields = ("title", "place")
    date_hierarchy = "starts_at"
    list_select_related = ("host_unit",)
    inlines = [InvitationInline, ConclusionInline]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    # The token hash is left out on purpose: it is the credential's fingerprint, of no use to support.
    list_display = ("owner", "unit", "name", "token_hint", "created_at", "last_used_at", "revoked_at")
    fields = ("owner", "unit", "name", "token_hint", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("owner", "unit")
