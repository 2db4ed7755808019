from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CriticismConfig(AppConfig):
    name = "phoihop.criticism"
    label = "criticism"
    verbose_name = _("Social criticism")

    def ready(self) -> None:
        from phoihop.core import navigation, search
        from phoihop.criticism.models import Critique
        from phoihop.criticism.reminders import due_items
        from phoihop.notify import schedules

        def logged_in(request):
            return request.user.is_authenticated

        navigation.register("criticism", _("Social criticism"), "criticism:critique-list", order=41, visible=logged_in)
        # Search finds a critique in the Front committee's scope; the page itself still checks
        # the person's relation to it (404 otherwise).
        search.register(
            Critique,
            title=lambda c: c.title,
            url=lambda c: c.get_absolute_url(),
            unit=lambda c: c.front_unit,
            subtitle=lambda c: c.drafting_unit.name,
        )
        schedules.register("criticism", due_items)
