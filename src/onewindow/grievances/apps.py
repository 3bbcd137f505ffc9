from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrievancesConfig(AppConfig):
    name = "onewindow.grievances"
    label = "grievances"
    verbose_name = _("Citizen hotline")

    def ready(self) -> None:
        # Listed in docs/ARCHITECTURE.md: a completed application asks for a review. The
        # signal's module is the one import of applications allowed here (pyproject.toml).
        from onewindow.applications.signals import application_completed
        from onewindow.grievances.reviews import invite_review_on_completion

        application_completed.connect(
            invite_review_on_completion, dispatch_uid="grievances.reviews.invite_on_completion"
        )
