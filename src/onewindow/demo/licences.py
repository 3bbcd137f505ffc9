"""The demo's electronic licences: the demo business's own (it was registered before the
platform, so no application issued it) and whatever the demo's approved applications should
have produced, issued the way the worker's tick would."""

from __future__ import annotations

from django.test.utils import override_settings

from onewindow.applications import issuing
from onewindow.credentials import services as credentials
from onewindow.credentials.models import Credential
from onewindow.demo.credit import DEMO_CREDIT_CODE
from onewindow.identity.models import Business, Department

DEMO_LICENCE_CASE = "demo-registration-" + DEMO_CREDIT_CODE


def seed_licences() -> int:
    """Issue the demo licences that are missing; returns how many were issued."""
    issued = 0
    business = Business.objects.select_related("legal_representative").get(
        credit_code=DEMO_CREDIT_CODE
    )
    # The seeded history is "before": its notices are in the inboxes, not sent now.
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ):
        if not Credential.objects.filter(case_ref=DEMO_LICENCE_CASE).exists():
            credentials.issue_credential(
                kind="business_licence",
                issuer=Department.objects.get(code="330106-AMR"),
                business=business,
                case_ref=DEMO_LICENCE_CASE,
                subject={
                    "companyName": business.name,
                    "creditCode": business.credit_code,
                    "legalRepresentative": business.legal_representative.real_name,
                    "registeredCapital": "500万元",
                    "businessScope": "餐饮服务；食品销售；外卖递送服务",
                    "registeredAddress": "杭州市西湖区文三路 259 号",
                    "establishedOn": f"{business.registered_at:%Y-%m-%d}",
                },
            )
            issued += 1
        while batch := issuing.issue_missing(window=None, limit=500):
            issued += batch
    return issued
