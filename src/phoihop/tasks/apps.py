from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "phoihop.tasks"
    label = "tasks"
    verbose_name = _("Plans and tasks")

    def ready(self) -> None:
        # The menu entry is registered with the pages (tasks-web); here: reminders, search, hand-back.
        from phoihop.core import search
        from phoihop.notify import schedules
        from phoihop.orgs.models import Membership
        from phoihop.orgs.signals import membership_ended
        from phoihop.tasks import reminders
        from phoihop.tasks.models import Plan, Task

        schedules.register("tasks", reminders.due_items)
        search.register(
            Task,
            title=lambda t: f"{t.number} {t.title}".strip(),
            url=lambda t: t.get_absolute_url(),
            unit=lambda t: t.lead_unit,
            text=lambda t: " ".join([t.number, t.title, t.description, t.lead_unit.name]),
            subtitle=lambda t: t.lead_unit.name,
        )
        search.register(
            Plan,
            title=lambda p: f"{p.title} ({p.year})",
            url=lambda p: p.get_absolute_url(),
            unit=lambda p: p.owner_unit,
            text=lambda p: " ".join([p.title, p.description, p.owner_unit.name]),
            subtitle=lambda p: p.owner_unit.name,
        )
        membership_ended.connect(_hand_back, sender=Membership, dispatch_uid="tasks.hand_back")
        _register_navigation()


def _hand_back(sender, membership, actor=None, **kwargs):
    from phoihop.tasks.services import tasks_hand_back

    tasks_hand_back(actor=actor, membership=membership)


def _register_navigation() -> None:
    """The menu entry of the task pages (tasks-web): shown to anyone logged in."""
    from phoihop.core import navigation

    def logged_in(request):
        return request.user.is_authenticated

    navigation.register("tasks", _("Tasks"), "tasks:my-tasks", order=25, visible=logged_in)
