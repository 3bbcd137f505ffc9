from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    name = "onewindow.assistant"
    label = "assistant"
    verbose_name = _("Service assistant")

    def ready(self) -> None:
        from onewindow.assistant.selectors import forget_index
        from onewindow.catalog.signals import service_published

        # A new version changes what the assistant may say: rebuild its index.
        service_published.connect(forget_index, dispatch_uid="assistant.forget_index")
