"""Credentials, their status lists and the trust list verify with the JOSE libraries that
integrators use (PyJWT, Authlib, jwcrypto, joserfc), each with its defaults for EdDSA; the
IETF SD-JWT reference implementation finds the issuer's key from the credential's https
`iss` through `/.well-known/jwt-vc-issuer`; credentials issued before (alg `Ed25519`, a
`urn:` issuer) still verify; and the printed QR is a URL that opens the verification page for
that credential, while the same URL verifies offline."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from onewindow.core.models import Division
from onewindow.credentials import formats, pdf, seals, services
from onewindow.credentials import verify as credential_verify
from onewindow.credentials.kinds import KINDS
from onewindow.credentials.models import Credential
from onewindow.credentials.verify import Reason, verify
from tests.applications import factories
from tests.credentials.factories import issued
from tests.identity.factories import citizen


@pytest.fixture
def licence(divisions: dict[str, Division]) -> Credential:
    cache.clear()  # status lists signed by an earlier test's seals
    factories.departments(divisions)
    versions = factories.catalogue()
    founder = citizen(divisions["community"])
    return issued(founder, versions[factories.COMPANY], factories.COMPANY_FORM)


# ----- four JOSE libraries, each verifying a compact JWS with a public JWK ---------------------


def _pyjwt(token: str, jwk: dict[str, Any], audience: str | None = None) -> dict[str, Any]:
    import jwt

    claims: dict[str, Any] = jwt.decode(
        token, jwt.PyJWK(jwk), algorithms=["EdDSA"], audience=audience
    )
    return claims


def _authlib(token: str, jwk: dict[str, Any], audience: str | None = None) -> dict[str, Any]:
    from authlib.jose import JsonWebKey, JsonWebSignature

    verified = JsonWebSignature(algorithms=["EdDSA"]).deserialize_compact(
        token, JsonWebKey.import_key(jwk)
    )
    payload = verified["payload"]
    assert isinstance(payload, bytes)
    claims: dict[str, Any] = json.loads(payload)
    return claims


def _jwcrypto(token: str, jwk: dict[str, Any], audience: str | None = None) -> dict[str, Any]:
    from jwcrypto import jwk as jwcrypto_jwk
    from jwcrypto import jws

    signed = jws.JWS()
    signed.deserialize(token)
    signed.verify(jwcrypto_jwk.JWK(**jwk))
    claims: dict[str, Any] = json.loads(signed.payload)
    return claims


def _joserfc(token: str, jwk: dict[str, Any], audience: str | None = None) -> dict[str, Any]:
    from joserfc import jws
    from joserfc.jwk import OKPKey

    verified = jws.deserialize_compact(token, OKPKey.import_key(jwk), algorithms=["EdDSA"])
    claims: dict[str, Any] = json.loads(verified.payload)
    return claims


# Each takes the token, the public JWK and the audience the caller expects (PyJWT insists).
LIBRARIES: dict[str, Callable[..., dict[str, Any]]] = {
    "pyjwt": _pyjwt,
    "authlib": _authlib,
    "jwcrypto": _jwcrypto,
    "joserfc": _joserfc,
}


def _issuer_metadata(client: Client, issuer: str) -> dict[str, Any]:
    """JWT VC Issuer Metadata, fetched from where IETF SD-JWT VC says it is for `issuer`."""
    response = client.get(f"/.well-known/jwt-vc-issuer{urlsplit(issuer).path}")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    metadata: dict[str, Any] = response.json()
    return metadata


def _key_for(client: Client, token: str, issuer: str) -> dict[str, Any]:
    header = json.loads(formats.b64url_decode(token.split(".", 1)[0]))
    keys = _issuer_metadata(client, issuer)["jwks"]["keys"]
    return next(key for key in keys if key["kid"] == header["kid"])


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_credential_verifies_with_the_issuers_published_key(
    library: str, licence: Credential, client: Client
) -> None:
    issuer_signed = services.sd_jwt_of(licence).split("~", 1)[0]
    issuer = services.issuer_id(licence.issuer)

    claims = LIBRARIES[library](issuer_signed, _key_for(client, issuer_signed, issuer))

    assert claims["iss"] == issuer
    assert claims["iss"].startswith(f"{settings.ONEWINDOW_PUBLIC_URL}/credentials/issuers/")
    assert claims["vct"] == "urn:onewindow:vct:BusinessLicenceCredential"
    assert claims["credentialSubject"]["_sd"]


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
def test_the_status_lists_verify_where_the_credential_points(
    library: str, purpose: str, licence: Credential, client: Client
) -> None:
    issuer_signed = services.sd_jwt_of(licence).split("~", 1)[0]
    payload = json.loads(formats.b64url_decode(issuer_signed.split(".")[1]))
    entry = next(e for e in payload["credentialStatus"] if e["statusPurpose"] == purpose)
    response = client.get(urlsplit(entry["statusListCredential"]).path)
    assert response.status_code == 200
    token = response.content.decode()

    claims = LIBRARIES[library](token, _key_for(client, token, payload["iss"]))

    assert claims["iss"] == payload["iss"]
    assert claims["credentialSubject"]["statusPurpose"] == purpose
    bit = formats.status_bit(
        claims["credentialSubject"]["encodedList"], int(entry["statusListIndex"])
    )
    assert bit is False  # neither revoked nor suspended


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_signed_trust_list_verifies_with_the_anchor_key_it_carries(
    library: str, licence: Credential, client: Client
) -> None:
    token = client.get("/credentials/trust-list.jwt").content.decode()
    header = json.loads(formats.b64url_decode(token.split(".", 1)[0]))
    assert header["alg"] == "EdDSA"

    document = LIBRARIES[library](token, header["jwk"])

    assert document["type"] == credential_verify.TRUST_LIST_TYPE
    issuer = next(i for i in document["issuers"] if i["department"] == licence.issuer.code)
    assert issuer["id"] == services.issuer_id(licence.issuer)
    assert f"urn:onewindow:issuer:{licence.issuer.code}" in issuer["also_known_as"]


def test_the_sd_jwt_reference_implementation_finds_the_key_from_the_issuer_url(
    licence: Credential, client: Client
) -> None:
    from jwcrypto.jwk import JWK
    from sd_jwt.verifier import SDJWTVerifier

    def issuer_key(issuer: str, header: dict[str, str]) -> JWK:
        keys = _issuer_metadata(client, issuer)["jwks"]["keys"]
        return JWK(**next(key for key in keys if key["kid"] == header["kid"]))

    presentation = formats.present(services.sd_jwt_of(licence), ["companyName"])
    claims = SDJWTVerifier(presentation, issuer_key).get_verified_payload()

    assert claims["vct"] == services.vct(KINDS[licence.kind])
    assert claims["credentialSubject"]["companyName"] == "杭州西湖云帆科技有限公司"
    assert "businessScope" not in claims["credentialSubject"]


def _as_issued_before(licence: Credential) -> str:
    """The licence as it was issued before EdDSA and https issuers: alg Ed25519, a urn
    issuer, signed by the same seal."""
    issuer_signed, *disclosures, _end = services.sd_jwt_of(licence).split("~")
    header_text, payload_text, _signature = issuer_signed.split(".")
    header = json.loads(formats.b64url_decode(header_text)) | {"alg": "Ed25519"}
    payload = json.loads(formats.b64url_decode(payload_text))
    payload = {k: v for k, v in payload.items() if k != "vct"}
    payload["iss"] = f"urn:onewindow:issuer:{licence.issuer.code}"
    signed = formats.sign_compact(header, payload, seals.seal_of(licence.issuer).private)
    return "~".join([signed, *disclosures, ""])


def test_credentials_issued_with_alg_ed25519_and_a_urn_issuer_still_verify(
    licence: Credential, client: Client
) -> None:
    old = _as_issued_before(licence)

    assert verify(old, services.trust()).is_valid
    response = client.post("/credentials/verify/", {"credential": old})
    assert 'data-reason="valid"' in response.content.decode()
    # A stranger's key under the old name is still refused.
    signed, disclosures = old.split("~", 1)
    header, payload, _signature = signed.split(".")
    forged = f"{header}.{payload}.{formats.b64url(bytes(64))}~{disclosures}"
    assert verify(forged, services.trust()).reason is Reason.SIGNATURE


# ----- the QR as a URL -------------------------------------------------------------------------


def test_scanning_the_qr_opens_the_verification_page_for_that_credential(
    licence: Credential, client: Client
) -> None:
    scanned = services.qr_url(licence)  # what a phone camera reads off the code
    assert scanned.startswith(f"{settings.ONEWINDOW_PUBLIC_URL}/v/")
    version = pdf.qr_code(scanned).version
    assert isinstance(version, int)
    assert version <= 13

    page = client.get(urlsplit(scanned).path)

    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert 'data-reason="valid"' in html
    assert licence.number in html
    assert "杭州西湖云帆科技有限公司" in html


def test_a_scanned_url_with_a_changed_digit_is_not_valid(
    licence: Credential, client: Client
) -> None:
    scanned = services.qr_url(licence)
    last = scanned[-1]
    altered = scanned[:-1] + ("1" if last != "1" else "2")

    page = client.get(urlsplit(altered).path)

    assert page.status_code == 200
    assert 'data-reason="valid"' not in page.content.decode()
    assert not verify(altered, services.trust()).is_valid


def test_the_qr_url_and_the_bare_payload_verify_offline(
    licence: Credential, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    trust_file = tmp_path / "trust-list.json"
    trust_file.write_text(json.dumps(services.trust_list_document()), encoding="utf-8")

    for text in (services.qr_url(licence), services.qr_of(licence)):
        assert credential_verify.main(["--trust-list", str(trust_file), text]) == 0
        verdict = json.loads(capsys.readouterr().out)
        assert verdict["valid"] is True
        assert verdict["number"] == licence.number
        assert verdict["status_checked"] is False
        assert "offline" in verdict["status_detail"]


@given(st.binary(min_size=1, max_size=400))
def test_digits_carry_any_bytes_and_only_one_spelling(data: bytes) -> None:
    digits = formats.to_digits(data)
    assert digits.isdigit()
    assert formats.from_digits(digits) == data


@given(st.text(alphabet="0123456789", min_size=1, max_size=60))
def test_any_digit_string_decodes_to_the_bytes_it_spells_or_is_refused(digits: str) -> None:
    try:
        data = formats.from_digits(digits)
    except formats.Malformed:
        return
    assert formats.to_digits(data) == digits


def test_no_changed_digit_of_the_qr_url_verifies(licence: Credential) -> None:
    from hypothesis import HealthCheck
    from hypothesis import settings as hypothesis_settings

    trust = services.trust()
    scanned = services.qr_url(licence)
    start = scanned.index("/v/") + 3
    assert verify(scanned, trust).is_valid

    @hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(position=st.integers(start, len(scanned) - 1), digit=st.sampled_from("0123456789"))
    def changed(position: int, digit: str) -> None:
        if scanned[position] == digit:
            return
        altered = scanned[:position] + digit + scanned[position + 1 :]
        assert verify(altered, trust).reason in {
            Reason.MALFORMED,
            Reason.SIGNATURE,
            Reason.UNKNOWN_KEY,
        }

    changed()


def test_credentials_stay_valid_when_the_site_moves_to_another_address(
    licence: Credential, client: Client, settings: Any
) -> None:
    issued_at_old_address = services.sd_jwt_of(licence)
    old_qr = services.qr_url(licence)

    settings.ONEWINDOW_PUBLIC_URL = "https://zwfw.hangzhou.example"

    assert verify(issued_at_old_address, services.trust()).is_valid
    assert verify(old_qr, services.trust()).is_valid
    assert services.qr_url(licence).startswith("https://zwfw.hangzhou.example/v/")
    # Another department's key cannot pass for this issuer under any address.
    other = services.trust().issuers[services.issuer_id(licence.issuer)]
    assert not other.is_named("https://zwfw.hangzhou.example/credentials/issuers/330106-other")
