from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CityopsConfig(AppConfig):
    name = "onewindow.cityops"
    label = "cityops"
    verbose_name = _("City operations")
