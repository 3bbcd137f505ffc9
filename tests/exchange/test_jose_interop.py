"""The exchange's signed answers verify with the JOSE libraries integrators use (PyJWT,
Authlib, jwcrypto, joserfc) and the keys our JWKS publishes; a request is accepted whether
its Ed25519 signature is labelled `EdDSA` (RFC 8037, what most libraries sign with) or
`Ed25519` (RFC 9864)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client
from joserfc import jws
from joserfc.jwk import OKPKey

from onewindow.exchange import services, signing
from onewindow.exchange.models import ExchangeMessage, MessageStatus
from tests.credentials.test_jose_interop import LIBRARIES
from tests.exchange import test_exchange
from tests.exchange.test_exchange import HOUSEHOLD, World, _granted

world = test_exchange.world  # the same fixture

pytestmark = pytest.mark.django_db


def _url(world: World) -> str:
    return f"/exchange/v1/{world['service'].provider.code}/{HOUSEHOLD}"


def _request(world: World) -> str:
    return services.build_request(
        world["consumer"],
        world["service"],
        subject=world["number"],
        purpose="marriage_registration",
        actor="clerk",
    )


def _relabelled(token: str, department: Any, alg: str) -> str:
    """The same claims, signed again by the same department key with `alg` in the header."""
    _header, payload, _signature = token.split(".")
    extracted = jws.extract_compact(token.encode())
    protected = {**extracted.protected, "alg": alg}
    key: OKPKey = signing._signer(department).private
    relabelled = jws.serialize_compact(protected, extracted.payload, key, algorithms=[alg])
    assert relabelled.split(".")[1] == payload
    return relabelled


@pytest.mark.parametrize("library", LIBRARIES)
def test_an_exchange_answer_verifies_with_the_published_jwks(
    library: str, world: World, client: Client
) -> None:
    _granted(world)
    answered = client.post(_url(world), _request(world), content_type="application/jose")
    assert answered.status_code == 200
    token = answered.content.decode()
    header = dict(jws.extract_compact(token.encode()).protected)
    assert header["alg"] == "EdDSA"
    published = client.get("/exchange/v1/jwks.json").json()["keys"]
    key = next(jwk for jwk in published if jwk["kid"] == header["kid"])

    claims = LIBRARIES[library](token, key, audience=world["consumer"].code)

    assert claims["data"]["name"] == "王小明"
    assert header["kid"].startswith(world["service"].provider.code)


@pytest.mark.parametrize("alg", ["EdDSA", "Ed25519"])
def test_a_request_is_accepted_under_either_name_of_its_algorithm(
    alg: str, world: World, client: Client
) -> None:
    _granted(world)
    token = _relabelled(_request(world), world["consumer"], alg)

    answered = client.post(_url(world), token, content_type="application/jose")

    assert answered.status_code == 200, answered.content
    assert ExchangeMessage.objects.get().status == MessageStatus.ANSWERED


def test_a_request_under_another_algorithm_is_refused(world: World, client: Client) -> None:
    _granted(world)
    header, payload, signature = _request(world).split(".")
    protected = json.loads(_b64decode(header)) | {"alg": "HS256"}
    forged = f"{_b64(json.dumps(protected).encode())}.{payload}.{signature}"

    refused = client.post(_url(world), forged, content_type="application/jose")

    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
