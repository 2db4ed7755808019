from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CriticismConfig(AppConfig):
    name = "phoihop.criticism"
    label = "criticism"
    verbose_name = _("Social criticism")
