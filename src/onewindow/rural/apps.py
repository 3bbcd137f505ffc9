from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RuralConfig(AppConfig):
    name = "onewindow.rural"
    label = "rural"
    verbose_name = _("Rural e-commerce")

    def ready(self) -> None:
        # The support programmes' forms check eligibility from the producer's records on
        # filing, by any channel (catalog cannot import rural: a registry, as for credit).
        from onewindow.catalog.form_schema import register_field_check
        from onewindow.rural import programmes

        register_field_check(programmes.SUBSIDY_CHECK, programmes.check_subsidy)
        register_field_check(programmes.TRAINING_CHECK, programmes.check_training)
