"""Demo deliveries of paper results: the demo citizen's shop registrations, filed at the Xihu
hall by the demo window clerk (the service may be filed anywhere), approved, and then one
waiting to be posted, one posted with a tracking number, one delivered, and one waiting for
pickup with its code. The clerk (`clerk`) sees them under /applications/work/deliveries/."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.test import override_settings

from onewindow.applications import services
from onewindow.applications.delivery import services as paper_delivery
from onewindow.applications.models import Application, Delivery, StepStatus
from onewindow.catalog.models import MaterialSource, ServiceItem
from onewindow.core.divisions import Level
from onewindow.identity import services as identity_services
from onewindow.identity.models import ConsentMethod, User

SHOP_SERVICE = "330000-AMR-GT-001"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _approve(application: Application) -> None:
    for _round in range(10):
        application.refresh_from_db()
        step = application.steps.filter(status=StepStatus.OPEN).first()
        if step is None:
            return
        holder = User.objects.get(username=f"{step.department.code.lower()}-{step.role}")
        step = services.claim_step(holder, step, version=step.version)
        services.approve_step(holder, step, version=step.version)


def seed_deliveries() -> int:
    """File and approve four shop registrations for `resident-0001` with paper results, and
    move the posted ones along; returns how many were made (0 when already there)."""
    applicant = User.objects.select_related("division__parent").get(username="resident-0001")
    clerk = User.objects.get(username="clerk")
    if Delivery.objects.filter(application__applicant=applicant, method="post").exists():
        return 0
    item = ServiceItem.objects.select_related("current_version").get(code=SHOP_SERVICE)
    version = item.current_version
    assert version is not None
    assert applicant.division is not None
    township = applicant.division
    while township.level > Level.TOWNSHIP and township.parent is not None:
        township = township.parent
    address = {
        "recipient_name": applicant.real_name,
        "mobile": "13800571234",
        "division": township.code,
        "street": f"{township.name_zh}兴业路 18 号 2 幢 301 室",
        "postal_code": "310012",
    }
    made: list[Delivery] = []
    # The notices of the seeded history are in the inbox; nothing is re-sent by email or SMS.
    with (
        override_settings(
            TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
        ),
        transaction.atomic(),
    ):
        # The resident is at the counter and signs the consent form the clerk scans.
        if identity_services.valid_consent(clerk, applicant) is None:
            identity_services.record_agent_consent(
                clerk, applicant, method=ConsentMethod.SIGNED_FORM, evidence=PDF
            )
        for number, method in enumerate(["post", "post", "post", "pickup"], start=1):
            draft = services.save_draft(applicant, version, {})
            for material in version.materials:
                if material["source"] == MaterialSource.UPLOAD and material.get(
                    "is_required", True
                ):
                    services.add_upload(
                        applicant, draft, material_key=material["key"], name="scan.pdf", content=PDF
                    )
            application = services.submit_application(
                applicant,
                version,
                {
                    "trade_name": f"西湖{['茶叶铺', '小吃店', '理发店', '便利店'][number - 1]}",
                    "business_scope": "日用百货零售",
                    "premises_address": f"杭州市西湖区兴业路 {number} 号",
                    "form_of_organisation": "individual",
                },
                idempotency_key=f"demo-delivery-{number}-{uuid.uuid4().hex[:8]}",
                delivery=method,
                draft=draft,
                filed_by=clerk,
                address=address if method == "post" else None,
                fetch_consent=True,
            )
            _approve(application)
            made.append(Delivery.objects.get(application=application))
        _waiting, posted, delivered, _pickup = made
        paper_delivery.dispatch(clerk, posted, carrier="ems", tracking_number="1186543210987")
        paper_delivery.mark_delivered(
            clerk,
            paper_delivery.dispatch(
                clerk, delivered, carrier="sf_express", tracking_number="SF1403921875560"
            ),
        )
    return len(made)
