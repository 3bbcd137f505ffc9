from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "onewindow.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from onewindow.ledger.signals import audit_found_problems
        from onewindow.notify.receivers import tell_platform_admins

        audit_found_problems.connect(tell_platform_admins, dispatch_uid="notify-audit-alerts")
