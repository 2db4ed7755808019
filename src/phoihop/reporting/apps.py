from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "phoihop.reporting"
    label = "reporting"
    verbose_name = _("Periodic reporting")

    def ready(self) -> None:
        from phoihop.core import navigation
        from phoihop.orgs import access
        from phoihop.orgs.models import Role

        def logged_in(request):
            return request.user.is_authenticated

        def leader_or_above(request):
            # Reads the memberships already cached for the request: no extra query per page.
            leader = access.ROLE_RANK[Role.LEADER]
            return access.is_system_admin(request.user) or any(r.rank >= leader for r in access.reaches(request.user))

        navigation.register("reports", _("Reports"), "reporting:my-reports", order=30, visible=logged_in)
        navigation.register(
            "report-review", _("Report review"), "reporting:review-queue", order=31, visible=leader_or_above
        )

        # notify: reports not yet submitted get reminders, overdue notices and escalation.
        from phoihop.notify import schedules
        from phoihop.reporting.reminders_due import missing_reports

        schedules.register("reporting", missing_reports)
