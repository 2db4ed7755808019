from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "phoihop.oversight"
    label = "oversight"
    verbose_name = _("Social supervision")

    def ready(self) -> None:
        from phoihop.core import navigation, search
        from phoihop.oversight.models import Supervision

        def logged_in(request):
            return request.user.is_authenticated

        navigation.register("oversight", _("Supervision"), "oversight:board", order=40, visible=logged_in)
        # The supervision is found through its Front; a recommendation through the agency it is addressed to.
        search.register(
            Supervision,
            title=lambda s: s.title,
            url=lambda s: s.get_absolute_url(),
            unit=lambda s: s.front_unit,
            text=lambda s: f"{s.title} {s.content}",
        )
        self._register_reminders()

    def _register_reminders(self) -> None:
        from phoihop.oversight.reminders import register

        register()
