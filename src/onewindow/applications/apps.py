from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "onewindow.applications"
    label = "applications"
    verbose_name = _("Applications")

    def ready(self) -> None:
        # Credit repair (listed in docs/ARCHITECTURE.md): the repair form's decision number
        # is checked on filing, and an approved repair ends the penalty's publicity.
        from onewindow.applications import credit_repair, issuing
        from onewindow.applications.signals import application_completed
        from onewindow.catalog.form_schema import register_field_check

        register_field_check(credit_repair.CHECK_NAME, credit_repair.check_repairable_penalty)
        # The result of an approved application is issued as an electronic licence.
        application_completed.connect(
            issuing.issue_on_completion, dispatch_uid="applications.issuing.issue_on_completion"
        )
        application_completed.connect(
            credit_repair.end_publicity_on_completion,
            dispatch_uid="applications.credit_repair.end_publicity",
        )
        # A new version of a service item: drafts follow it, people are told when it matters.
        from onewindow.applications import catalogue_changes
        from onewindow.catalog.signals import service_published

        service_published.connect(
            catalogue_changes.follow_new_version,
            dispatch_uid="applications.catalogue_changes.follow_new_version",
        )
