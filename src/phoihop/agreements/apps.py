from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "phoihop.agreements"
    label = "agreements"
    verbose_name = _("Coordination agreements")

    def ready(self) -> None:
        from phoihop.core import navigation

        def logged_in(request):
            return request.user.is_authenticated

        navigation.register("my-duties", _("My duties"), "agreements:my-duties", order=15, visible=logged_in)
        navigation.register("agreements", _("Agreements"), "agreements:agreement-list", order=20, visible=logged_in)

        # notify: duty occurrences get reminders, overdue notices and escalation.
        from phoihop.agreements.reminders_due import due_occurrences
        from phoihop.notify import schedules

        schedules.register("agreements", due_occurrences)
