from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarConfig(AppConfig):
    name = "phoihop.calendar"
    label = "calendar"
    verbose_name = _("Calendar")

    def ready(self) -> None:
        from django.core.signals import request_started

        from phoihop.calendar import workdays
        from phoihop.core import navigation
        from phoihop.orgs import access

        # Each request re-checks the announcements once, so an announcement entered through
        # another process counts from that process's next request.
        request_started.connect(workdays.forget, dispatch_uid="phoihop.calendar.forget")
        navigation.register(
            "calendar",
            _("Working-day calendar"),
            "calendar:announcement-list",
            order=85,
            visible=lambda r: access.is_system_admin(r.user),
        )
