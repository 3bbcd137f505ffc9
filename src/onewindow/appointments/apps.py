from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "onewindow.appointments"
    label = "appointments"
    verbose_name = _("Service-hall appointments")

    def ready(self) -> None:
        from onewindow.appointments import receipts
        from onewindow.payments import signals

        # Every confirmed payment gets its e-receipt (credentials) and a refund its reversing
        # receipt, issued by the worker: payments (layer 3) cannot call credentials, its peer
        # (docs/ARCHITECTURE.md).
        signals.payment_confirmed.connect(receipts.queue_receipt, dispatch_uid="fee-receipt")
        signals.payment_refunded.connect(
            receipts.queue_refund_receipt, dispatch_uid="refund-receipt"
        )
