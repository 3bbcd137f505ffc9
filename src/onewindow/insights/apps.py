from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "onewindow.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from onewindow.insights.rural_sales import register_rural_indicators

        register_rural_indicators()
