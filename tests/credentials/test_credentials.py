"""Issuing on approval, the wallet, revocation, shares, status lists and trust lists, driven
through the services, the pages and the API the way holders, officers and verifiers use them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from onewindow.applications import issuing
from onewindow.core.errors import DomainError, PermissionDenied
from onewindow.core.models import Division
from onewindow.credentials import formats, pdf, seals, selectors, services
from onewindow.credentials.models import Credential, CredentialStatus
from onewindow.credentials.verify import Reason, TrustList, status_list_from_jwt, verify
from onewindow.identity.models import Business, User
from onewindow.ledger.models import LedgerEntry
from onewindow.notify.models import Message
from tests.applications import factories
from tests.applications.factories import World
from tests.credentials.factories import approve_all, issued
from tests.identity.factories import citizen
from tests.identity.test_assisted_filing import verified_client


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    return factories.world(divisions)


@pytest.fixture
def founder(world: World) -> User:
    return citizen(world["divisions"]["community"])


@pytest.fixture
def licence(world: World, founder: User) -> Credential:
    return issued(founder, world["versions"][factories.COMPANY], factories.COMPANY_FORM)


def _approver(credential: Credential) -> User:
    return factories.officer(credential.issuer, "approver")


def test_company_establishment_registers_the_business_and_issues_its_licence(
    world: World, founder: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    application = factories.file(
        founder, world["versions"][factories.COMPANY], factories.COMPANY_FORM
    )
    with django_capture_on_commit_callbacks(execute=True):
        approve_all(application)

    credential = Credential.objects.get(case_ref=application.ref)  # issued on completion
    business = Business.objects.get(name="杭州西湖云帆科技有限公司")
    assert credential.business == business
    assert business.legal_representative == founder
    assert credential.issuer.code == "330106-market_supervision"
    assert list(selectors.wallet(founder)) == [credential]
    subject = services.subject_of(credential)
    assert subject["creditCode"] == business.credit_code
    assert subject["registeredCapital"] == "100万元"
    assert LedgerEntry.objects.filter(event_type="credential.issued").count() == 1
    assert Message.objects.filter(recipient=founder, event="credential_issued").exists()
    assert issuing.issue_for(application) == credential  # idempotent


def test_a_citizen_credential_holds_the_full_id_number_only_as_a_disclosure(
    world: World,
) -> None:
    resident = citizen(world["divisions"]["community"])
    card = issued(resident, world["versions"][factories.SOCIAL_SECURITY_CARD], {"bank": "icbc"})
    verdict = verify(services.qr_of(card), services.trust())
    assert verdict.is_valid
    assert "idNumber" not in verdict.subject
    assert verdict.subject["idNumberMasked"].count("*") >= 8
    assert card.valid_until is not None
    assert card.valid_until.year == card.valid_from.year + 10


def test_the_tick_issues_what_a_failed_completion_did_not(world: World, founder: User) -> None:
    application = approve_all(
        factories.file(founder, world["versions"][factories.COMPANY], factories.COMPANY_FORM)
    )
    assert not Credential.objects.filter(case_ref=application.ref).exists()
    assert issuing.issue_missing() == 1
    assert issuing.issue_missing() == 0
    assert Credential.objects.filter(case_ref=application.ref).count() == 1


def test_revocation_needs_an_approver_of_the_issuer_and_a_reason(
    licence: Credential, world: World
) -> None:
    reviewer = factories.officer(licence.issuer, "reviewer")
    stranger = factories.officer(world["departments"]["330100-taxation"], "approver")
    approver = _approver(licence)
    with pytest.raises(PermissionDenied):
        services.change_status(reviewer, licence, to="revoked", reason="营业执照被吊销")
    with pytest.raises(PermissionDenied):
        services.change_status(stranger, licence, to="revoked", reason="营业执照被吊销")
    with pytest.raises(DomainError) as refused:
        services.change_status(approver, licence, to="revoked", reason="  ")
    assert refused.value.field == "reason"
    licence.refresh_from_db()
    assert licence.status == CredentialStatus.ACTIVE

    services.change_status(approver, licence, to="revoked", reason="以欺骗手段取得登记，依法撤销")

    licence.refresh_from_db()
    assert licence.status == CredentialStatus.REVOKED
    checked = selectors.check(services.qr_of(licence))
    assert checked.verdict.reason is Reason.REVOKED
    assert checked.status_changed_at == licence.status_changed_at
    assert LedgerEntry.objects.filter(event_type="credential.revoked").count() == 1
    with pytest.raises(DomainError):  # final
        services.change_status(approver, licence, to="active", reason="撤销有误，恢复")


def test_suspension_shows_then_reinstating_restores(licence: Credential) -> None:
    approver = _approver(licence)
    services.change_status(approver, licence, to="suspended", reason="年报未按时公示")
    assert selectors.check(services.sd_jwt_of(licence)).verdict.reason is Reason.SUSPENDED
    services.change_status(approver, licence, to="active", reason="已补报年报")
    assert selectors.check(services.sd_jwt_of(licence)).verdict.is_valid


def test_the_published_status_list_carries_the_revocation(
    licence: Credential, client: Client
) -> None:
    url = reverse("credentials:status-list", args=[licence.issuer.code, "revocation"])
    trust = TrustList([client.get(reverse("credentials:trust-list")).json()])
    issuer = trust.issuers[services.issuer_id(licence.issuer)]
    before = client.get(url)
    assert before["Content-Type"] == "application/vc+jwt"
    encoded = status_list_from_jwt(before.content.decode(), issuer, trust)
    assert formats.status_bit(encoded, licence.status_index) is False

    services.change_status(_approver(licence), licence, to="revoked", reason="依法吊销营业执照")

    encoded = status_list_from_jwt(client.get(url).content.decode(), issuer, trust)
    assert formats.status_bit(encoded, licence.status_index) is True
    # a verifier with only the trust list and the published list now says revoked
    verdict = verify(
        services.qr_of(licence),
        trust,
        status=lambda issuer, purpose, index: formats.status_bit(
            status_list_from_jwt(
                client.get(
                    reverse("credentials:status-list", args=[licence.issuer.code, purpose])
                ).content.decode(),
                issuer,
                trust,
            ),
            index,
        ),
    )
    assert verdict.reason is Reason.REVOKED


def test_expired_and_not_yet_valid_are_named(world: World) -> None:
    resident = citizen(world["divisions"]["community"])
    permit = issued(
        resident,
        world["versions"]["330000-PSB-JZ-001"],
        {
            "residence_address": "杭州市西湖区文三路 1 号",
            "resident_since": "2025-01-01",
            "basis": "work",
        },
        delivery="pickup",
    )
    assert permit.valid_until is not None
    later = permit.valid_until + timedelta(days=1)
    assert verify(services.qr_of(permit), services.trust(), now=later).reason is Reason.EXPIRED
    earlier = permit.valid_from - timedelta(days=1)
    assert (
        verify(services.sd_jwt_of(permit), services.trust(), now=earlier).reason
        is Reason.NOT_YET_VALID
    )


def test_a_rotated_seal_still_verifies_what_it_signed(
    licence: Credential, world: World, founder: User
) -> None:
    old_kid = licence.seal.kid
    seals.rotate(licence.issuer)
    assert verify(services.qr_of(licence), services.trust()).is_valid
    second = issued(
        founder,
        world["versions"][factories.COMPANY],
        {**factories.COMPANY_FORM, "company_name": "杭州西湖第二科技有限公司"},
    )
    assert second.seal.kid != old_kid
    keys = services.trust_list_document()["issuers"][0]["keys"]
    assert {key["kid"] for key in keys} >= {old_kid, second.seal.kid}
    assert any("retired_at" in key for key in keys)


def test_the_pdf_embeds_its_chinese_font_and_renders(licence: Credential) -> None:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf.render(licence))
    page = document[0]
    text = page.get_textpage().get_text_range()
    assert "杭州西湖云帆科技有限公司" in text
    assert licence.number in text
    assert licence.seal.kid in text
    # pdfium draws only embedded glyphs here (no CJK font is needed on the machine): the
    # company name's line is not blank
    image = page.render(scale=1).to_pil().convert("L")
    assert image.getextrema()[0] < 100
    raw = pdf.render(licence)
    assert b"/FontFile2" in raw  # the TrueType subset is embedded


# ----- pages ----------------------------------------------------------------------------------


def test_the_wallet_pages_show_download_and_share(licence: Credential, founder: User) -> None:
    client = Client()
    client.force_login(founder)
    page = client.get(reverse("credentials:wallet"))
    assert licence.number in page.content.decode()
    detail = client.get(reverse("credentials:detail", args=[licence.pk]))
    body = detail.content.decode()
    assert "<svg" in body
    assert services.qr_url(licence) in body
    assert (
        client.get(reverse("credentials:pdf", args=[licence.pk]))["Content-Type"]
        == "application/pdf"
    )
    document = client.get(reverse("credentials:json", args=[licence.pk])).json()
    assert document["sd_jwt"] == services.sd_jwt_of(licence)

    shared = client.post(
        reverse("credentials:detail", args=[licence.pk]),
        {"recipient": "招商银行", "disclose": ["companyName", "creditCode"], "days": "3"},
    )
    share_url = shared.context["new_share_url"]
    assert share_url
    public = Client().get(share_url)
    assert public.status_code == 200
    assert public.context["checked"].verdict.is_valid
    assert set(public.context["checked"].verdict.subject) == {"companyName", "creditCode"}

    share = licence.shares.get()
    client.post(reverse("credentials:revoke-share", args=[share.pk]))
    assert Client().get(share_url).status_code == 404


def test_a_share_needs_fields_a_recipient_and_a_sane_period(
    licence: Credential, founder: User
) -> None:
    client = Client()
    client.force_login(founder)
    response = client.post(
        reverse("credentials:detail", args=[licence.pk]),
        {"recipient": "", "days": "400"},
    )
    errors = response.context["form"].errors
    assert set(errors) >= {"recipient", "disclose", "days"}
    assert not licence.shares.exists()


def test_someone_elses_credential_is_not_found(licence: Credential, world: World) -> None:
    client = Client()
    client.force_login(citizen(world["divisions"]["community"]))
    for name in ("credentials:detail", "credentials:pdf", "credentials:json"):
        assert client.get(reverse(name, args=[licence.pk])).status_code == 404
    assert client.get(reverse("credentials:detail", args=["not-a-uuid"])).status_code == 404


def test_the_public_verify_page_answers_valid_or_why_not(licence: Credential) -> None:
    client = Client()
    valid = client.post(reverse("credentials:verify"), {"credential": services.qr_of(licence)})
    assert valid.context["checked"].verdict.is_valid
    assert "杭州西湖云帆科技有限公司" in valid.content.decode()
    broken = client.post(reverse("credentials:verify"), {"credential": "OW1:NOT-A-CODE"})
    assert broken.context["checked"].verdict.reason is Reason.MALFORMED
    empty = client.post(reverse("credentials:verify"), {"credential": ""})
    assert "credential" in empty.context["form"].errors
    from django.core.files.uploadedfile import SimpleUploadedFile

    document = json.dumps({"sd_jwt": services.sd_jwt_of(licence)}).encode()
    uploaded = client.post(
        reverse("credentials:verify"),
        {"file": SimpleUploadedFile("licence.json", document, content_type="application/json")},
    )
    assert uploaded.context["checked"].verdict.is_valid


def test_an_officer_revokes_on_the_register_page(licence: Credential) -> None:
    approver = _approver(licence)
    client = verified_client(approver)
    page = client.get(reverse("credentials:issued"))
    assert licence.number in page.content.decode()
    url = reverse("credentials:issued-detail", args=[licence.pk])
    refused = client.post(url, {"status": "revoked", "reason": ""})
    assert "reason" in refused.context["form"].errors
    client.post(url, {"status": "revoked", "reason": "依法吊销营业执照"})
    licence.refresh_from_db()
    assert licence.status == CredentialStatus.REVOKED
    other = verified_client(factories.officer(licence.issuer.parent or licence.issuer, "approver"))
    if licence.issuer.parent is not None:
        assert other.get(url).status_code == 404


# ----- API ------------------------------------------------------------------------------------


def test_api_wallet_needs_sign_in_and_shows_only_ones_own(
    licence: Credential, founder: User, world: World
) -> None:
    assert Client().get("/api/v1/credentials").status_code == 401
    stranger = Client()
    stranger.force_login(citizen(world["divisions"]["community"]))
    assert stranger.get("/api/v1/credentials").json() == []
    assert stranger.get(f"/api/v1/credentials/{licence.pk}").status_code == 404
    owner = Client()
    owner.force_login(founder)
    assert [item["number"] for item in owner.get("/api/v1/credentials").json()] == [licence.number]
    detail = owner.get(f"/api/v1/credentials/{licence.pk}").json()
    assert detail["qr"].startswith("OW1:")
    assert detail["qr_url"] == services.qr_url(licence)
    assert owner.get(urlsplit(detail["qr_url"]).path).status_code == 200
    made = owner.post(
        f"/api/v1/credentials/{licence.pk}/shares",
        {"recipient": "房东", "fields": ["companyName"], "days": 1},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert made.json()["token"]
    bad = owner.post(
        f"/api/v1/credentials/{licence.pk}/shares",
        {"recipient": "房东", "fields": ["nothing"], "days": 1},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad["Content-Type"].startswith("application/problem+json")


def test_api_verify_is_public_and_status_changes_need_a_verified_approver(
    licence: Credential, founder: User
) -> None:
    answer = (
        Client()
        .post(
            "/api/v1/verify",
            {"credential": services.qr_of(licence)},
            content_type="application/json",
        )
        .json()
    )
    assert answer["valid"] is True
    assert answer["reason"] == "valid"
    url = f"/api/v1/credentials/{licence.pk}/status"
    body: dict[str, Any] = {"status": "revoked", "reason": "依法吊销营业执照"}
    assert Client().post(url, body, content_type="application/json").status_code == 401
    holder = Client()
    holder.force_login(founder)
    assert holder.post(url, body, content_type="application/json").status_code == 403
    reviewer = verified_client(factories.officer(licence.issuer, "reviewer"))
    assert reviewer.post(url, body, content_type="application/json").status_code == 403
    approver = verified_client(_approver(licence))
    no_reason = approver.post(
        url, {"status": "revoked", "reason": ""}, content_type="application/json"
    )
    assert no_reason.status_code == 400
    done = approver.post(url, body, content_type="application/json")
    assert done.status_code == 200
    assert done.json()["status"] == "revoked"
    answer = (
        Client()
        .post(
            "/api/v1/verify",
            {"credential": services.qr_of(licence)},
            content_type="application/json",
        )
        .json()
    )
    assert answer["reason"] == "revoked"
    assert answer["status_changed_at"]
    assert timezone.now() - datetime.fromisoformat(answer["status_changed_at"]) < timedelta(
        minutes=5
    )
