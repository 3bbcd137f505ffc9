from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RuralConfig(AppConfig):
    name = "onewindow.rural"
    label = "rural"
    verbose_name = _("Rural e-commerce")
