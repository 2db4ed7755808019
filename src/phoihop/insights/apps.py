from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "phoihop.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from phoihop.core import navigation
        from phoihop.insights import views_dashboard
        from phoihop.orgs import panels

        def leaders(request):
            return request.user.is_authenticated and views_dashboard.can_see_dashboard(request.user)

        navigation.register("dashboard", _("Dashboard"), "insights:dashboard", order=5, visible=leaders)
        # The unit page (orgs) shows each unit's scorecard summary without knowing about insights.
        panels.register("insights.scorecard", views_dashboard.unit_panel)
