"""The Django admin for calendar announcements, writing through the services (so it is audited).

Announcements are entered and deleted, never edited: a wrong one is deleted and entered again,
so the trail shows both acts.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from phoihop.calendar import services
from phoihop.calendar.forms import AnnouncementForm
from phoihop.calendar.models import CalendarAnnouncement


class AnnouncementAdminForm(AnnouncementForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            # save_model() cannot report an error, so the admin runs the service's checks here
            # to show them beside the fields; the service runs them again when it saves.
            try:
                services.check_announcement(
                    date=cleaned["date"], kind=cleaned["kind"], province_code=cleaned.get("province_code", "")
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


@admin.register(CalendarAnnouncement)
class CalendarAnnouncementAdmin(admin.ModelAdmin):
    form = AnnouncementAdminForm
    list_display = ("date", "kind", "name", "basis", "province_code")
    list_filter = ("kind", "province_code")
    date_hierarchy = "date"
    search_fields = ("name", "basis")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CalendarAnnouncement, form: Any, change: bool) -> None:
        created = services.announcement_create(
            actor=request.user, **{field: form.cleaned_data[field] for field in services.ANNOUNCEMENT_FIELDS}
        )
        # The admin reads the saved object back (for its message and log entry).
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: CalendarAnnouncement) -> None:
        services.announcement_delete(actor=request.user, announcement=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarAnnouncement]) -> None:
        for announcement in queryset:
            services.announcement_delete(actor=request.user, announcement=announcement)
