from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class GrievancesConfig(AppConfig):
    name = "onewindow.grievances"
    label = "grievances"
    verbose_name = _("Citizen hotline")

    def ready(self) -> None:
        # Listed in docs/ARCHITECTURE.md: a completed application asks for a review. The
        # signal's module is the one import of applications allowed here (pyproject.toml).
        from onewindow.applications.signals import application_completed
        from onewindow.core.models import Division
        from onewindow.grievances.reference import forget_departments
        from onewindow.grievances.reviews import invite_review_on_completion
        from onewindow.identity.models import Department

        application_completed.connect(
            invite_review_on_completion, dispatch_uid="grievances.reviews.invite_on_completion"
        )
        # Routing's per-process cache of departments (grievances/reference.py) is forgotten
        # on any change of them, wherever it is made (services, admin, fixtures, tests).
        for model in (Department, Division):
            for event, signal in (("saved", post_save), ("deleted", post_delete)):
                signal.connect(
                    forget_departments,
                    sender=model,
                    dispatch_uid=f"grievances.reference.{model.__name__}.{event}",
                )
