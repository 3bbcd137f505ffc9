from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CityopsConfig(AppConfig):
    name = "onewindow.cityops"
    label = "cityops"
    verbose_name = _("City operations")

    def ready(self) -> None:
        # Inspections' findings reach the city as events (docs/ARCHITECTURE.md, signals).
        from onewindow.cityops import sources
        from onewindow.supervision.signals import finding_recorded

        finding_recorded.connect(sources.on_finding_recorded, dispatch_uid="cityops.findings")
