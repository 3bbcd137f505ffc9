"""The credentials OneWindow issues: what each holds, which fields its QR carries, how long
it is valid. The service that produces one names its kind in the catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Field:
    name: str  # the credentialSubject property
    label: str | Promise
    in_qr: bool = False  # printed in the QR payload (keep it small: a phone must read it)
    values: Mapping[str, str | Promise] = field(default_factory=dict)  # codes as people read them

    def display(self, value: Any) -> Any:
        """The value as a person reads it: "female" is a code, 女/Female is what it means."""
        if isinstance(value, str) and value in self.values:
            return str(self.values[value])
        return value


@dataclass(frozen=True)
class Validity:
    """How long a kind of credential is valid from its issue: whole calendar years (a card
    renewed on its anniversary) and/or a fixed duration (a health code's hours)."""

    years: int = 0
    duration: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if self.years < 0 or self.duration < timedelta(0):
            raise ValueError("a validity is not negative")
        if not self.years and not self.duration:
            raise ValueError("a validity is longer than nothing (None: valid until revoked)")

    @classmethod
    def of(cls, *, years: int = 0, days: int = 0, hours: int = 0) -> Validity:
        return cls(years=years, duration=timedelta(days=days, hours=hours))

    def until(self, start: datetime) -> datetime:
        """The end of a validity that starts at `start`: the same day and time `years` later
        (28 February for a 29 February without its year), then `duration` later."""
        year = start.year + self.years
        try:
            end = start.replace(year=year)
        except ValueError:  # 29 February, in a year without one
            end = start.replace(year=year, day=28)
        return end + self.duration


@dataclass(frozen=True)
class Kind:
    code: str
    qr_code: str  # two letters in the QR payload, which must stay small
    vc_type: str
    label: str | Promise
    holder: str  # "person" | "business" | "either" (a person or a business, one of them)
    fields: tuple[Field, ...]
    valid_for: Validity | None = None  # None: valid until revoked
    # Each new one replaces the holder's earlier ones (a health code): the wallet shows the
    # newest while it is valid and folds the rest away under "earlier".
    replaced_by_next: bool = False

    @property
    def field_names(self) -> list[str]:
        return [field.name for field in self.fields]

    def label_of(self, name: str) -> str | Promise:
        return next((field.label for field in self.fields if field.name == name), name)

    def display(self, name: str, value: Any) -> Any:
        field = next((field for field in self.fields if field.name == name), None)
        return value if field is None else field.display(value)

    @property
    def qr_fields(self) -> list[str]:
        """The fields the QR carries, in the order it lists their values."""
        return [field.name for field in self.fields if field.in_qr]


SEXES = MappingProxyType({"female": _("Female"), "male": _("Male")})
PARENTS = MappingProxyType({"mother": _("Mother"), "father": _("Father")})

# A health and travel code's colour, as a checkpoint reads it.
HEALTH_COLOURS = MappingProxyType(
    {
        "green": pgettext_lazy("health code", "Green"),
        "yellow": pgettext_lazy("health code", "Yellow"),
        "red": pgettext_lazy("health code", "Red"),
    }
)

_HOLDER = (
    Field("holderName", _("Full name"), in_qr=True),
    Field("idNumber", _("ID number")),
    Field("idNumberMasked", _("ID number (masked)"), in_qr=True),
)

KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind(
            "business_licence",
            "BL",
            "BusinessLicenceCredential",
            _("Business licence"),
            "business",
            (
                Field("companyName", _("Name"), in_qr=True),
                Field("creditCode", _("Unified social credit code"), in_qr=True),
                Field("legalRepresentative", _("Legal representative"), in_qr=True),
                Field("registeredCapital", _("Registered capital")),
                Field("businessScope", _("Business scope")),
                Field("registeredAddress", _("Registered address")),
                Field("establishedOn", _("Established on"), in_qr=True),
            ),
        ),
        Kind(
            "marriage_certificate",
            "MC",
            "MarriageCertificateCredential",
            _("Marriage certificate"),
            "person",
            (
                *_HOLDER,
                Field("spouseName", _("Spouse"), in_qr=True),
                Field("spouseIdNumber", _("Spouse's ID number")),
                Field("spouseIdNumberMasked", _("Spouse's ID number (masked)"), in_qr=True),
                Field("registeredOn", _("Registered on"), in_qr=True),
            ),
        ),
        Kind(
            "birth_registration",
            "BR",
            "BirthRegistrationCredential",
            _("Birth registration record"),
            "person",
            (
                Field("childName", _("Child's name"), in_qr=True),
                Field("childSex", _("Sex"), values=SEXES),
                Field("birthDate", _("Date of birth"), in_qr=True),
                Field("birthCertificateNumber", _("Birth medical certificate number")),
                Field("householdOf", _("Household of"), in_qr=True, values=PARENTS),
                Field("registeredOn", _("Registered on"), in_qr=True),
            ),
        ),
        Kind(
            "social_security_card",
            "SC",
            "SocialSecurityCardCredential",
            _("Social security card"),
            "person",
            (
                *_HOLDER,
                Field("cardNumber", _("Card number"), in_qr=True),
                Field("bank", _("Bank")),
                Field("issuedOn", _("Issued on"), in_qr=True),
            ),
            valid_for=Validity.of(years=10),
        ),
        Kind(
            "residence_permit",
            "RP",
            "ResidencePermitCredential",
            _("Residence permit"),
            "person",
            (
                *_HOLDER,
                Field("residenceAddress", _("Address of residence")),
                Field("residentSince", _("Resident since")),
                Field("issuedOn", _("Issued on"), in_qr=True),
            ),
            valid_for=Validity.of(years=1),
        ),
        # What a checkpoint needs and nothing more: the colour, whose code it is (a masked
        # name and the ID number's last four digits, to hold against the ID card shown) and,
        # in the signature's claims, the issuer and the hours it is valid. No full name, ID
        # number, address, test result or travel history: the code travels to other regions.
        Kind(
            "health_code",
            "HC",
            "HealthCodeCredential",
            _("Health and travel code"),
            "person",
            (
                Field("colour", _("Code colour"), in_qr=True, values=HEALTH_COLOURS),
                Field("holderNameMasked", _("Name (masked)"), in_qr=True),
                Field("idNumberLast4", _("ID number, last four digits"), in_qr=True),
            ),
            valid_for=Validity.of(hours=24),
            replaced_by_next=True,
        ),
        # The project approval reply (项目核准批复) of an enterprise investment project: held
        # by the business, named by the project code of the national online platform.
        Kind(
            "project_approval",
            "PA",
            "InvestmentProjectApprovalCredential",
            _("Investment project approval"),
            "business",
            (
                Field("projectCode", _("Project code"), in_qr=True),
                Field("projectName", _("Project name"), in_qr=True),
                Field("companyName", _("Project company"), in_qr=True),
                Field("creditCode", _("Unified social credit code")),
                Field("totalInvestment", _("Total investment")),
                Field("siteAddress", _("Site")),
                Field("approvedOn", _("Approved on"), in_qr=True),
            ),
        ),
        # Electronic receipts of fees paid online (payments; issued by appointments.receipts):
        # any office checks one from its QR instead of asking for the paper slip.
        Kind(
            "fee_receipt",
            "FR",
            "FeeReceiptCredential",
            _("Electronic fee receipt"),
            "person",
            (
                Field("payerName", _("Payer"), in_qr=True),
                Field("payeeDepartment", _("Paid to"), in_qr=True),
                Field("item", _("For")),
                Field("amountYuan", _("Amount (yuan)"), in_qr=True),
                Field("paidOn", _("Paid on"), in_qr=True),
                Field("paymentRef", _("Payment reference"), in_qr=True),
            ),
        ),
        Kind(
            "fee_refund_receipt",
            "FX",
            "FeeRefundReceiptCredential",
            _("Electronic refund receipt (reverses a fee receipt)"),
            "person",
            (
                Field("payerName", _("Payer"), in_qr=True),
                Field("payeeDepartment", _("Refunded by"), in_qr=True),
                Field("item", _("For")),
                Field("refundedYuan", _("Refunded (yuan)"), in_qr=True),
                Field("refundedOn", _("Refunded on"), in_qr=True),
                Field("paymentRef", _("Payment reference"), in_qr=True),
                Field("reverses", _("Reverses receipt"), in_qr=True),
            ),
        ),
        # Rural e-commerce (issue 25): what a buyer scans on a product's label. The compliance
        # certificate (承诺达标合格证) is the producer's promise that an edible product meets
        # the standards; GI use and organic/green food are recorded from the bodies that grant
        # them. Held by the producer's business where it has one (a cooperative), else by its
        # responsible person; the producer is named in the QR.
        *(
            Kind(
                code,
                qr_code,
                vc_type,
                label,
                "either",  # a household's or a cooperative's (held by its business)
                (
                    Field("producerName", _("Producer"), in_qr=True),
                    Field("productName", _("Product"), in_qr=True),
                    Field("originVillage", _("Origin"), in_qr=True),
                    Field("certifiedOn", _("Certified on"), in_qr=True),
                    Field("listingRef", _("Listing"), in_qr=True),
                    Field("statement", _("Statement")),
                ),
                valid_for=Validity.of(years=1),
            )
            for code, qr_code, vc_type, label in (
                (
                    "produce_compliance",
                    "AQ",
                    "AgriculturalProductComplianceCredential",
                    _("Edible agricultural product compliance certificate"),
                ),
                (
                    "geographical_indication",
                    "GI",
                    "GeographicalIndicationUseCredential",
                    _("Geographical indication use"),
                ),
                ("organic_food", "OF", "OrganicFoodCredential", _("Organic food certification")),
                ("green_food", "GF", "GreenFoodCredential", _("Green food certification")),
            )
        ),
    )
}

BY_QR_CODE: dict[str, Kind] = {kind.qr_code: kind for kind in KINDS.values()}


def kind_named(name: str) -> Kind | None:
    """The kind a verifier reports, by our code, its W3C type or its QR letters."""
    return next(
        (kind for kind in KINDS.values() if name in (kind.code, kind.vc_type, kind.qr_code)),
        None,
    )
