from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "onewindow.catalog"
    label = "catalog"
    verbose_name = _("Service catalogue")

    def ready(self) -> None:
        # Agents are authorised per kind of service: identity keeps the authorisations,
        # the catalogue owns the vocabulary.
        from onewindow.catalog.models import ServiceType
        from onewindow.identity.services import register_service_types

        register_service_types(ServiceType.choices)
