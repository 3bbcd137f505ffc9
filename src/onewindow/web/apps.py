from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "onewindow.web"
    label = "web"
    verbose_name = _("Page shell")

    def ready(self) -> None:
        # Listed in docs/ARCHITECTURE.md: a completed application asks for a review
        # (grievances), wired here because applications and grievances are peers.
        from onewindow.applications.signals import application_completed
        from onewindow.web.reviews import invite_review_on_completion

        application_completed.connect(
            invite_review_on_completion, dispatch_uid="web.reviews.invite_on_completion"
        )
