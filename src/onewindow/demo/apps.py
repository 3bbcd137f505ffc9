from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo city and its seed (`onewindow seed-demo`, `onewindow demo-totp`): on the top
    layer, because it builds with every app below it; nothing depends on it."""

    name = "onewindow.demo"
    label = "demo"
    verbose_name = _("Demo city")
