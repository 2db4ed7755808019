from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "phoihop.meetings"
    label = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from django.utils import timezone

        from phoihop.core import navigation, search
        from phoihop.meetings.models import Meeting

        def logged_in(request):
            return request.user.is_authenticated

        navigation.register("meetings", _("Meetings"), "meetings:list", order=26, visible=logged_in)
        search.register(
            Meeting,
            title=lambda m: m.title,
            subtitle=lambda m: f"{m.host_unit.name} · {timezone.localtime(m.starts_at):%d/%m/%Y}",
            text=lambda m: f"{m.place} {m.agenda}",
            url=lambda m: m.get_absolute_url(),
            unit=lambda m: m.host_unit,
        )
