from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransparencyConfig(AppConfig):
    name = "onewindow.transparency"
    label = "transparency"
    verbose_name = _("Open data and transparency")

    def ready(self) -> None:
        from onewindow.exchange.credit.selectors import register_public_section
        from onewindow.transparency.ocds import awards_section

        # A supplier's public contracts on its credit profile (exchange cannot import us).
        register_public_section(awards_section)
