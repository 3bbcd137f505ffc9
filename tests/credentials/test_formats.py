"""The credential formats are the standard ones: independent libraries read what we issue,
and no altered byte of a credential or its QR payload ever verifies."""

from __future__ import annotations

import json
import zlib

import base45
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onewindow.core.models import Division
from onewindow.credentials import formats, services
from onewindow.credentials.models import Credential
from onewindow.credentials.verify import Reason, TrustList, verify
from tests.applications import factories
from tests.credentials.factories import issued
from tests.identity.factories import citizen


@pytest.fixture
def licence(divisions: dict[str, Division]) -> Credential:
    factories.departments(divisions)
    versions = factories.catalogue()
    founder = citizen(divisions["community"])
    return issued(founder, versions[factories.COMPANY], factories.COMPANY_FORM)


def _public_jwk(credential: Credential) -> dict[str, str]:
    return dict(credential.seal.public_jwk)


def test_joserfc_verifies_the_issuer_signed_jwt(licence: Credential) -> None:
    from joserfc import jws
    from joserfc.jwk import OKPKey

    issuer_signed = services.sd_jwt_of(licence).split("~", 1)[0]
    jwk: dict[str, str | list[str]] = {**_public_jwk(licence)}
    key = OKPKey.import_key(jwk)
    verified = jws.deserialize_compact(issuer_signed, key, algorithms=["EdDSA"])
    payload = json.loads(verified.payload)
    assert verified.headers()["typ"] == "vc+sd-jwt"
    assert payload["type"] == ["VerifiableCredential", "BusinessLicenceCredential"]
    assert payload["iss"] == services.issuer_id(licence.issuer)
    assert payload["credentialStatus"][0]["type"] == "BitstringStatusListEntry"


def test_the_ietf_reference_implementation_reads_the_sd_jwt(licence: Credential) -> None:
    from jwcrypto.jwk import JWK
    from sd_jwt.verifier import SDJWTVerifier

    key = JWK(**_public_jwk(licence))
    seen: list[str] = []

    def issuer_key(issuer: str, header: dict[str, str]) -> JWK:
        seen.append(issuer)
        return key

    presentation = formats.present(services.sd_jwt_of(licence), ["companyName", "creditCode"])
    claims = SDJWTVerifier(presentation, issuer_key).get_verified_payload()

    assert seen == [services.issuer_id(licence.issuer)]
    subject = claims["credentialSubject"]
    assert subject["companyName"] == "杭州西湖云帆科技有限公司"
    assert licence.business is not None
    assert subject["creditCode"] == licence.business.credit_code
    assert "businessScope" not in subject  # not disclosed
    assert "legalRepresentative" not in subject


def test_the_cwt_library_reads_the_qr_payload(licence: Credential) -> None:
    import cwt
    from cwt import COSEKey

    qr = services.qr_of(licence)
    message = zlib.decompress(base45.b45decode(qr.removeprefix("OW1:")))
    jwk = _public_jwk(licence)
    # COSE key: kty OKP, kid (the 8 bytes the QR names), alg EdDSA, crv Ed25519, x.
    key = COSEKey.new(
        {
            1: 1,
            2: formats.b64url_decode(licence.seal.qr_kid),
            3: -8,
            -1: 6,
            -2: formats.b64url_decode(jwk["x"]),
        }
    )
    claims = cwt.decode(message, key)
    assert isinstance(claims, dict)  # the claims, not a nested token
    assert claims[formats.CWT_CTI] == licence.id.bytes
    assert claims[formats.CWT_CREDENTIAL]["k"] == "BL"
    assert claims[formats.CWT_CREDENTIAL]["n"] == licence.number


def test_the_qr_stays_small_enough_for_a_phone_camera(licence: Credential) -> None:
    from onewindow.credentials import pdf

    # What is printed is the verification URL carrying the payload, not the bare payload.
    code = pdf.qr_code(services.qr_url(licence))
    assert isinstance(code.version, int)  # a full QR code, not a Micro QR ("M1".."M4")
    assert code.version <= 13  # 69 modules: readable off paper


def _flip(text: str, position: int, delta: int) -> str:
    data = bytearray(text.encode("latin-1"))
    data[position] = (data[position] + delta) % 256
    return data.decode("latin-1")


def test_any_flipped_byte_of_the_qr_payload_fails_with_a_reason(licence: Credential) -> None:
    trust = services.trust()
    qr = services.qr_of(licence)
    assert verify(qr, trust).is_valid

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
    @given(position=st.integers(0, len(qr) - 1), delta=st.integers(1, 255))
    def flipped(position: int, delta: int) -> None:
        verdict = verify(_flip(qr, position, delta), trust)
        assert verdict.reason is not Reason.VALID
        assert verdict.reason in {
            Reason.MALFORMED,
            Reason.SIGNATURE,
            Reason.UNKNOWN_KEY,
        }

    flipped()


def test_any_flipped_byte_of_the_credential_fails_with_a_reason(licence: Credential) -> None:
    trust = services.trust()
    credential = services.sd_jwt_of(licence)
    assert verify(credential, trust).is_valid

    @settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
    @given(position=st.integers(0, len(credential) - 1), delta=st.integers(1, 255))
    def flipped(position: int, delta: int) -> None:
        verdict = verify(_flip(credential, position, delta), trust)
        assert verdict.reason is not Reason.VALID
        assert verdict.reason in {
            Reason.MALFORMED,
            Reason.SIGNATURE,
            Reason.TAMPERED,
            Reason.UNKNOWN_KEY,
            Reason.UNKNOWN_ISSUER,
        }

    flipped()


def test_a_changed_field_value_is_named_tampered(licence: Credential) -> None:
    credential = services.sd_jwt_of(licence)
    issuer_signed, *disclosures, _end = credential.split("~")
    salt, name, _value = json.loads(formats.b64url_decode(disclosures[0]))
    forged = formats.b64url(json.dumps([salt, name, "另一家公司"]).encode())

    verdict = verify("~".join([issuer_signed, forged, *disclosures[1:], ""]), services.trust())

    assert verdict.reason is Reason.TAMPERED


def test_another_regions_key_or_an_unknown_issuer_is_named(licence: Credential) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stranger = Ed25519PrivateKey.generate()
    forged = formats.issue_sd_jwt(
        {"iss": "urn:onewindow:issuer:999999-nobody", "credentialSubject": {}},
        {"companyName": "假公司"},
        key=stranger,
        kid="999999-nobody:seal:1",
    )
    assert verify(forged, services.trust()).reason is Reason.UNKNOWN_ISSUER
    wrong_key = formats.issue_sd_jwt(
        {"iss": f"urn:onewindow:issuer:{licence.issuer.code}", "credentialSubject": {}},
        {"companyName": "假公司"},
        key=stranger,
        kid=licence.seal.kid,
    )
    assert verify(wrong_key, services.trust()).reason is Reason.SIGNATURE
    qr = formats.issue_qr({formats.CWT_CTI: licence.id.bytes}, key=stranger, key_id=b"12345678")
    assert verify(qr, services.trust()).reason is Reason.UNKNOWN_KEY


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_no_text_whatever_is_valid_or_crashes_the_verifier(text: str) -> None:
    empty = TrustList([{"type": "onewindow-trust-list", "region": {"code": "1"}, "issuers": []}])
    assert verify(text, empty).reason is not Reason.VALID
    assert verify("OW1:" + text, empty).reason is not Reason.VALID


@given(st.sets(st.integers(0, formats.STATUS_LIST_BITS - 1), max_size=50))
def test_the_status_list_holds_exactly_the_bits_set(bits: set[int]) -> None:
    encoded = formats.encode_status_list(bits)
    for index in [*bits, 0, 7, 8, formats.STATUS_LIST_BITS - 1]:
        assert formats.status_bit(encoded, index) is (index in bits)
