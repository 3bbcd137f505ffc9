"""An approved application's result is issued as an electronic licence or certificate
(credentials, a lower layer). The catalogue names the kind per service version; this module
turns the application into the credential's subject. Company and individual business
registration also register the new market entity (identity.Business) first, which holds
the licence.

Issuing runs after the approval has committed (`application_completed`); if it fails, the
worker's tick tries again (`issue_missing`), and `issue_credential` is idempotent per case.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.applications import competence
from onewindow.applications.models import Application, ApplicationStatus
from onewindow.core import personal_data
from onewindow.core.errors import DomainError
from onewindow.core.validators import generate_credit_code
from onewindow.credentials import services as credentials
from onewindow.credentials.models import Credential
from onewindow.identity.models import Business, User
from onewindow.identity.services import authorise_agent, register_business

logger = logging.getLogger(__name__)
RETRY_WINDOW = timedelta(days=7)
_SYSTEM_RANDOM = random.SystemRandom()


def _holder_fields(user: User) -> dict[str, str]:
    number = user.plain_id_number()
    return {
        "holderName": user.real_name,
        "idNumber": number,
        "idNumberMasked": personal_data.mask_resident_id(number),
    }


def _register_entity(application: Application, name: str) -> Business:
    """The market entity a registration creates. Its legal representative is the applicant,
    or, when an investing business filed it, that business's legal representative; an
    agent who filed it becomes the new entity's agent for registration matters, so the
    licence is in their wallet too."""
    investor = application.business
    representative = investor.legal_representative if investor else application.applicant
    for _attempt in range(5):
        code = generate_credit_code(_SYSTEM_RANDOM, division_code=application.division.code[:6])
        if not Business.objects.filter(credit_code=code).exists():
            business = register_business(
                representative, credit_code=code, name=name, division=application.division
            )
            if application.applicant != representative:
                authorise_agent(
                    business,
                    by=representative,
                    agent=application.applicant,
                    service_types=[application.item_version.service_type],
                )
            return business
    raise DomainError(_("No free credit code could be drawn."), code="credit_code_exhausted")


def _subject(application: Application, kind: str) -> tuple[dict[str, Any], Business | None]:
    form = application.form_data
    applicant = application.applicant
    today = f"{timezone.localdate():%Y-%m-%d}"
    if kind == "business_licence":
        name = str(form.get("company_name") or form.get("trade_name") or "")
        business = _register_entity(application, name)
        capital = form.get("registered_capital_wan")
        return {
            "companyName": business.name,
            "creditCode": business.credit_code,
            "legalRepresentative": business.legal_representative.real_name,
            "registeredCapital": f"{capital}万元" if capital else "—",
            "businessScope": str(form.get("business_scope", "")),
            "registeredAddress": str(
                form.get("registered_address") or form.get("premises_address") or ""
            ),
            "establishedOn": today,
        }, business
    if kind == "marriage_certificate":
        partner = str(form.get("partner_id_number", ""))
        return {
            **_holder_fields(applicant),
            "spouseName": str(form.get("partner_name", "")),
            "spouseIdNumber": partner,
            "spouseIdNumberMasked": personal_data.mask_resident_id(partner),
            "registeredOn": today,
        }, None
    if kind == "birth_registration":
        return {
            "childName": str(form.get("baby_name", "")),
            "childSex": str(form.get("baby_sex", "")),
            "birthDate": str(form.get("birth_date", "")),
            "birthCertificateNumber": str(form.get("birth_certificate_number", "")),
            "householdOf": str(form.get("household_of", "")),
            "registeredOn": today,
        }, None
    if kind == "social_security_card":
        return {
            **_holder_fields(applicant),
            "cardNumber": f"A{_SYSTEM_RANDOM.randrange(10**8):08d}",
            "bank": str(form.get("bank", "")),
            "issuedOn": today,
        }, None
    if kind == "residence_permit":
        return {
            **_holder_fields(applicant),
            "residenceAddress": str(form.get("residence_address", "")),
            "residentSince": str(form.get("resident_since", "")),
            "issuedOn": today,
        }, None
    if kind == "project_approval":
        investor = application.business
        if investor is None or not application.project_code:
            raise DomainError(_("A project approval needs the company and its project code."))
        investment = form.get("total_investment_wan")
        return {
            "projectCode": application.project_code,
            "projectName": str(form.get("project_name", "")),
            "companyName": investor.name,
            "creditCode": investor.credit_code,
            "totalInvestment": f"{investment}万元" if investment else "—",
            "siteAddress": str(form.get("site_address", "")),
            "approvedOn": today,
        }, investor
    raise DomainError(_("Unknown kind of credential."), field="kind")


def issue_for(application: Application) -> Credential | None:
    """Issue the credential an approved application results in (None if its service issues
    none). Idempotent: a second call returns the first credential."""
    version = application.item_version
    kind = version.credential_kind
    if not kind or application.status != ApplicationStatus.APPROVED:
        return None
    existing = Credential.objects.filter(case_ref=application.ref, kind=kind).first()
    if existing is not None:
        return existing
    issuer = competence.competent_department(
        application.division, kind=version.item.department_kind, level=version.item.level
    )
    with transaction.atomic():  # a registered business without its licence is never left
        subject, business = _subject(application, kind)
        return credentials.issue_credential(
            kind=kind,
            issuer=issuer,
            subject=subject,
            case_ref=application.ref,
            holder=None if business else application.applicant,
            business=business,
        )


def issue_on_completion(sender: Any, *, application: Application, **kwargs: Any) -> None:
    """`application_completed` handler. A failure is logged and retried by the tick."""
    try:
        issue_for(application)
    except Exception:
        logger.exception("credential for %s not issued yet; the tick will retry", application.ref)


def issue_missing(
    now: datetime | None = None, *, window: timedelta | None = RETRY_WINDOW, limit: int = 100
) -> int:
    """The tick's part: issue what approvals (of the last `window`, or all) should have
    produced but did not; at most `limit` at a time."""
    now = now or timezone.now()
    pending = (
        Application.objects.filter(status=ApplicationStatus.APPROVED)
        .exclude(item_version__credential_kind="")
        .exclude(ref__in=Credential.objects.values("case_ref"))
        .select_related("item_version__item", "division", "applicant", "business")
        .order_by("finished_at")
    )
    if window is not None:
        pending = pending.filter(finished_at__gte=now - window)
    issued = 0
    for application in pending[:limit]:
        try:
            if issue_for(application) is not None:
                issued += 1
        except Exception:
            logger.exception("credential for %s still not issued", application.ref)
    return issued
