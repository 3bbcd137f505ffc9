"""A small world with one of everything a write endpoint can name (an application, a draft,
a licence and its business, a hotline case, a review invitation, an Open311 key), built
through the real services, and browsers signed in as its people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.applications.models import Application, Draft
from onewindow.applications.services import save_draft
from onewindow.core.models import Division
from onewindow.credentials.models import Credential
from onewindow.grievances import reviews
from onewindow.grievances import services as grievance_services
from onewindow.grievances.models import Case, ReviewInvitation
from onewindow.identity.models import Business, Role, User
from tests.applications import factories
from tests.credentials.factories import issued
from tests.grievances import factories as hotline
from tests.identity.factories import citizen

# What an attacker, a broken client or an unlucky paste sends (issue 15).
HOSTILE = {
    "lone surrogate": "a\ud800b",
    "NUL": "a\x00b",
    "percent-encoded NUL": "a%00b",
    "vertical tab": "a\x0bb",
    "escape": "a\x1b[31mb",
    "100,000 characters": "字" * 100_000,
    "RTL override": "abc\u202egnp.exe",
    "template syntax": "{{ 7*7 }}{% debug %}",
}


@dataclass
class World:
    divisions: dict[str, Division]
    resident: User  # citizen, legal representative of a business, holder of a licence
    officer: User  # reviewer at the city's market supervision bureau
    admin: User  # platform administrator
    application: Application
    draft: Draft
    licence: Credential
    business: Business
    case: Case
    invitation: ReviewInvitation
    partner_key: str

    def path_value(self, name: str) -> str:
        """A real value for a URL parameter, by its name (unknown names get "1")."""
        values: dict[str, Any] = {
            "ref": self.application.ref,
            "credential_id": self.licence.pk,
            "code": self.business.credit_code,
            "credit_code": self.business.credit_code,
            "case_ref": self.case.ref,
            "share_id": 1,
            "number": self.licence.number,
        }
        return str(values.get(name, 1))


def build(divisions: dict[str, Division]) -> World:
    departments = factories.departments(divisions)
    versions = factories.catalogue()
    resident = citizen(divisions["community"], username="resident")
    licence = issued(resident, versions[factories.COMPANY], factories.COMPANY_FORM)
    business = Business.objects.get(legal_representative=resident)
    application = factories.file(resident, versions[factories.BIRTH], factories.BIRTH_FORM)
    draft = save_draft(resident, versions[factories.BIRTH], {})
    officer = factories.officer(departments["330100-market_supervision"], username="officer")
    admin = hotline.officer(
        departments["330100-data_bureau"], Role.PLATFORM_ADMIN, username="platform-admin"
    )
    _partner, key = grievance_services.issue_api_key(
        admin, name="随手拍", division=divisions["city"]
    )
    case = hotline.online(resident, divisions["community"])
    invitation = reviews.invite_review(
        resident,
        subject_ref=application.ref,
        department=departments["330100-public_security"],
        service_name="出生登记",
    )
    return World(
        divisions=divisions,
        resident=resident,
        officer=officer,
        admin=admin,
        application=application,
        draft=draft,
        licence=licence,
        business=business,
        case=case,
        invitation=invitation,
        partner_key=key,
    )


def browser(user: User | None) -> Client:
    """A browser signed in as `user` (with the second factor given, for staff), or none."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    if user is None:
        return client
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
