from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "phoihop.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from phoihop import checks  # noqa: F401  (register system checks)
        from phoihop.core import search, signals  # noqa: F401  (connect receivers)
