from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "phoihop.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from phoihop.core import navigation

        def logged_in(request):
            return request.user.is_authenticated

        navigation.register("notifications", _("Notifications"), "notify:inbox", order=90, visible=logged_in)
