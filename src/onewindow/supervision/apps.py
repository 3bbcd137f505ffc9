from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "onewindow.supervision"
    label = "supervision"
    verbose_name = _("Supervision and inspections")

    def ready(self) -> None:
        from onewindow.exchange.credit.selectors import register_public_section
        from onewindow.supervision.selectors import inspections_section

        # A business's published inspection results on its credit profile.
        register_public_section(inspections_section)
