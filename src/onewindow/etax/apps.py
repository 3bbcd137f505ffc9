from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EtaxConfig(AppConfig):
    name = "onewindow.etax"
    label = "etax"
    verbose_name = _("Individual income tax annual reconciliation")

    def ready(self) -> None:
        from onewindow.etax import services
        from onewindow.payments import signals

        signals.payment_confirmed.connect(services.on_payment_confirmed, dispatch_uid="tax-paid")
