from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "phoihop.orgs"
    label = "orgs"
    verbose_name = _("Organisations and people")

    def ready(self) -> None:
        from phoihop.core import navigation, scope, search
        from phoihop.orgs import access, selectors
        from phoihop.orgs.models import Unit

        scope.install(access.scope_queryset)
        navigation.register("home", _("Home"), "core:home", order=0)
        navigation.register("orgs", _("Organisations"), "orgs:unit-tree", order=10)
        navigation.register(
            "people",
            _("People"),
            "orgs:person-list",
            order=15,
            visible=lambda r: selectors.can_manage_people(user=r.user),
        )
        navigation.register(
            "audit",
            _("Audit trail"),
            "audit:event-list",
            order=90,
            visible=lambda r: access.can_read_audit(r.user),
        )
        search.register(
            Unit,
            title=lambda u: u.name,
            subtitle=lambda u: f"{u.code} · {u.get_kind_display()}",
            text=lambda u: f"{u.code} {u.short_name} {u.division_type}",
            url=lambda u: u.get_absolute_url(),
            unit=lambda u: u,
        )
