"""The life events the home page groups services by."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class LifeEvent:
    slug: str
    title: str | Promise
    summary: str | Promise


LIFE_EVENTS = (
    LifeEvent(
        "birth",
        _("Having a baby"),
        _("Birth registration, household entry, medical insurance for the newborn"),
    ),
    LifeEvent(
        "marriage",
        _("Getting married"),
        _("Marriage registration, household changes, certificates"),
    ),
    LifeEvent(
        "business",
        _("Starting a business"),
        _("Company establishment, licences, tax registration, seals"),
    ),
    LifeEvent(
        "work",
        _("Work and social security"),
        _("Employment, social insurance, pensions, unemployment benefit"),
    ),
    LifeEvent(
        "housing",
        _("Housing"),
        _("Buying or renting a home, housing provident fund, property registration"),
    ),
    LifeEvent(
        "elderly", _("Elderly care"), _("Old-age allowances, care services, pension certification")
    ),
    LifeEvent(
        "school",
        _("Going to school"),
        _("Primary and junior school enrolment, schooling for children who moved with you"),
    ),
    LifeEvent(
        "retiring",
        _("Retiring"),
        _("Claiming the pension, medical insurance and provident fund on retirement"),
    ),
    LifeEvent(
        "moving",
        _("Moving"),
        _("Household registration moved in or out, insurance and pension taken along"),
    ),
    LifeEvent(
        "end_of_life",
        _("End of life"),
        _("Registration cancelled, funeral grant and survivors' benefits"),
    ),
)

LIFE_EVENTS_BY_SLUG = {event.slug: event for event in LIFE_EVENTS}
