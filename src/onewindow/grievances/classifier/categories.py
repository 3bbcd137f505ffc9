"""The hotline's case categories, each owned by one kind of department.

Kinds are plain strings (DepartmentKind values) so that routing imports without Django's
app registry: the corpus generator and the benchmark run before `django.setup()`.
A category is what the router proposes and what a dispatcher corrects to; its department
kind says which department of the case's division answers it. Codes are stable: they are
stored on cases, in dispatcher corrections and in the shipped corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Category:
    code: str
    department_kind: str  # an identity.models.DepartmentKind value (a test checks each)
    label_en: Promise  # English in source, translated through gettext


def _categories(*entries: tuple[str, str, Promise]) -> dict[str, Category]:
    return {code: Category(code, kind, label) for code, kind, label in entries}


CATEGORIES: dict[str, Category] = _categories(
    # Urban management (城管综合执法)
    ("city.street_vending", "city_management", _("Street vending and occupied pavements")),
    ("city.illegal_structure", "city_management", _("Illegal construction and extensions")),
    ("city.refuse", "city_management", _("Refuse collection and dumping")),
    ("city.street_lighting", "city_management", _("Street lights")),
    ("city.advertising", "city_management", _("Signboards, flyers and illegal advertising")),
    ("city.cooking_fumes", "city_management", _("Restaurant cooking fumes")),
    # Housing and urban-rural development (住建)
    ("housing.property_management", "housing", _("Property management services")),
    ("housing.new_home_delivery", "housing", _("Late or defective delivery of new homes")),
    ("housing.old_estate_renovation", "housing", _("Renovation of old residential estates")),
    ("housing.rental", "housing", _("Renting and letting agents")),
    ("housing.water_gas_supply", "housing", _("Water and gas supply")),
    # Transport (交通运输)
    ("transport.bus", "transport", _("Buses and bus routes")),
    ("transport.taxi", "transport", _("Taxis and ride-hailing")),
    ("transport.road_damage", "transport", _("Damaged roads and potholes")),
    # Ecology and environment (生态环境)
    ("ecology.air_pollution", "ecology", _("Air pollution and odours from industry")),
    ("ecology.water_pollution", "ecology", _("Polluted rivers and sewage discharge")),
    ("ecology.construction_noise", "ecology", _("Construction and industrial noise")),
    # Market supervision (市场监管)
    ("market.food_safety", "market_supervision", _("Food safety")),
    ("market.pricing", "market_supervision", _("Prices and overcharging")),
    ("market.consumer_dispute", "market_supervision", _("Consumer disputes and prepaid cards")),
    ("market.counterfeit", "market_supervision", _("Counterfeit and substandard goods")),
    ("market.elevator_safety", "market_supervision", _("Lift and special equipment safety")),
    # Human resources and social security (人社)
    ("hr.wage_arrears", "human_resources", _("Unpaid wages")),
    ("hr.social_insurance", "human_resources", _("Social insurance contributions")),
    ("hr.labour_contract", "human_resources", _("Labour contracts and dismissal")),
    ("hr.pension", "human_resources", _("Pensions")),
    # Public security (公安)
    ("police.household_registration", "public_security", _("Household registration and ID cards")),
    ("police.traffic", "public_security", _("Traffic police: parking, signals, congestion")),
    ("police.neighbourhood_noise", "public_security", _("Noise from neighbours and venues")),
    ("police.fraud", "public_security", _("Telecom and online fraud")),
    ("police.public_order", "public_security", _("Public order: fights, gambling, harassment")),
    # Health (卫健)
    ("health.hospital_service", "health", _("Hospital services and medical staff")),
    ("health.vaccination", "health", _("Vaccination")),
    ("health.illegal_practice", "health", _("Unlicensed medical practice")),
    # Healthcare security (医保)
    ("medicare.reimbursement", "healthcare_security", _("Medical insurance reimbursement")),
    ("medicare.enrolment", "healthcare_security", _("Medical insurance enrolment and transfer")),
    # Education (教育)
    ("education.enrolment", "education", _("School places and enrolment")),
    ("education.tutoring", "education", _("Private tutoring and refunds")),
    ("education.school_conduct", "education", _("School fees, meals and conduct")),
    # Civil affairs (民政)
    ("civil.elderly_care", "civil_affairs", _("Elderly care and allowances")),
    ("civil.social_assistance", "civil_affairs", _("Subsistence allowance and hardship relief")),
    ("civil.marriage_funeral", "civil_affairs", _("Marriage registration and funerals")),
    # Natural resources (自然资源)
    ("land.property_certificate", "natural_resources", _("Real-estate title certificates")),
    ("land.illegal_land_use", "natural_resources", _("Illegal land use and farmland")),
    # Agriculture and rural affairs (农业农村)
    ("agri.subsidy", "agriculture", _("Farming subsidies")),
    ("agri.homestead", "agriculture", _("Rural homesteads")),
    ("agri.farm_inputs", "agriculture", _("Fake seeds, fertiliser and pesticides")),
    # Emergency management (应急管理)
    ("emergency.fire_hazard", "emergency", _("Fire hazards")),
    ("emergency.work_safety", "emergency", _("Workplace safety and hazardous chemicals")),
    # Taxation (税务)
    ("tax.invoice", "taxation", _("Invoices refused")),
    ("tax.filing", "taxation", _("Tax filing and refunds")),
    # Government services administration (政务服务)
    ("services.service_hall", "government_services", _("Service halls and online services")),
    # People's Bank (人民银行)
    ("bank.cash_refusal", "peoples_bank", _("Cash refused and bank services")),
    # Township office (乡镇街道)
    ("township.village_affairs", "township_office", _("Village and community affairs")),
)


def department_kinds() -> list[str]:
    """The department kinds that own at least one category, in a stable order."""
    return sorted({category.department_kind for category in CATEGORIES.values()})
