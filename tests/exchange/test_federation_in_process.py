"""Federation in one process: a provider that is down, slow or lying; peers' keys kept to
their own namespace and fetched again when a new one signs; a peer region's department
answered under its own grant only.

Peer servers here are small stand-ins on loopback (threads in this process); the real
two-instance exchange is in test_federation.py.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, TypedDict

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from joserfc import jws
from joserfc.jwk import OKPKey

from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.exchange import federation, services, signing
from onewindow.exchange.models import (
    DataService,
    ExchangeMessage,
    PeerRegion,
    PeerStatus,
    RemoteCall,
    RemoteCallStatus,
)
from onewindow.exchange.seed import seed_data_services
from onewindow.identity.models import Department
from onewindow.ledger.models import LedgerEntry
from tests.applications import factories
from tests.identity.factories import citizen, resident_id

pytestmark = pytest.mark.django_db

HOUSEHOLD = "public_security.household_registration"
REMOTE_CONSUMER = "320100-civil_affairs"


# ----- stand-in peers on loopback --------------------------------------------------------------


class Silent:
    """Accepts connections and never answers (optionally: drips a byte now and then)."""

    def __init__(self, drip: bytes = b"") -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.drip = drip
        self.stopped = threading.Event()
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stopped.is_set():
            try:
                connection, _address = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by close()
                return
            self.held.append(connection)
            if self.drip:
                threading.Thread(target=self._drip, args=(connection,), daemon=True).start()

    def _drip(self, connection: socket.socket) -> None:
        for byte in self.drip:
            if self.stopped.wait(0.1):
                return
            try:
                connection.sendall(bytes([byte]))
            except OSError:
                return

    def close(self) -> None:
        self.stopped.set()
        for connection in self.held:
            connection.close()
        self.listener.close()


Reply = tuple[int, str, bytes]
# Starts a loopback server answering with the given handler; returns its port.
HttpPeer = Callable[[Callable[[str, str], Reply]], int]


def serve(answer: Callable[[str, str], Reply]) -> tuple[http.server.ThreadingHTTPServer, int]:
    """A loopback HTTP server whose every answer is `answer(method, path)`."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            status, content_type, body = answer(self.command, self.path)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = _reply  # noqa: N815 (http.server's hook names)
        do_POST = _reply  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, server.server_address[1]


@pytest.fixture
def http_peer() -> Iterator[HttpPeer]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(answer: Callable[[str, str], Reply]) -> int:
        server, port = serve(answer)
        servers.append(server)
        return port

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


class World(TypedDict):
    consumer: Department
    service: DataService
    divisions: dict[str, Division]


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    departments = factories.departments(divisions)
    seed_data_services()
    return {
        "consumer": departments["330106-civil_affairs"],
        "service": DataService.objects.get(code=HOUSEHOLD),
        "divisions": divisions,
    }


def _peer(port: int, **extra: Any) -> PeerRegion:
    return PeerRegion.objects.create(
        code="320000",
        name="Jiangsu",
        base_url=f"http://127.0.0.1:{port}",
        keys=extra.pop("keys", []),
        registered_by="test",
        **extra,
    )


def _call(world: World, peer: PeerRegion) -> dict[str, Any]:
    return federation.call_remote(
        world["consumer"],
        peer,
        "320100-public_security",
        HOUSEHOLD,
        subject=resident_id(division_code="320106"),
        purpose="marriage_registration",
        case_ref="330106-20261124-000001",
        actor="clerk",
    )


def _only_call_failed(reason: str) -> RemoteCall:
    call = RemoteCall.objects.get()
    assert call.status == RemoteCallStatus.FAILED
    assert reason in call.reason
    assert call.finished_at is not None
    assert call.ledger_index is not None
    assert LedgerEntry.objects.filter(
        index=call.ledger_index, event_type="exchange.remote_call"
    ).exists()
    return call


# ----- down or slow: a clear error in time, and the call on record -----------------------------


@override_settings(ONEWINDOW_EXCHANGE_TIMEOUT=0.5)
def test_a_provider_that_accepts_but_never_answers_times_out_in_time_and_is_logged(
    world: World,
) -> None:
    silent = Silent()
    try:
        started = time.monotonic()
        with pytest.raises(federation.ProviderTimedOut) as timed_out:
            _call(world, _peer(silent.port))
        elapsed = time.monotonic() - started
    finally:
        silent.close()

    assert elapsed < 2.0
    assert timed_out.value.status == 504
    assert "did not answer within 0.5 seconds" in str(timed_out.value)
    assert "upload the document" in str(timed_out.value)
    assert _only_call_failed("did not answer").http_status is None


@override_settings(ONEWINDOW_EXCHANGE_TIMEOUT=0.5)
def test_a_provider_dripping_bytes_is_cut_off_at_the_deadline(world: World) -> None:
    silent = Silent(drip=b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100)
    try:
        started = time.monotonic()
        with pytest.raises(federation.ProviderTimedOut):
            _call(world, _peer(silent.port))
        elapsed = time.monotonic() - started
    finally:
        silent.close()

    assert elapsed < 2.0
    _only_call_failed("did not answer")


def test_a_provider_that_is_down_is_unavailable_and_logged(world: World) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed at once: nothing listens there

    with pytest.raises(federation.ProviderUnavailable) as down:
        _call(world, _peer(port))

    assert down.value.status == 503
    assert "cannot be reached" in str(down.value)
    _only_call_failed("cannot be reached")


def test_a_provider_failing_with_5xx_is_unavailable_and_logged(
    world: World, http_peer: HttpPeer
) -> None:
    port = http_peer(lambda method, path: (502, "text/html", b"<h1>Bad gateway</h1>"))

    with pytest.raises(federation.ProviderUnavailable) as failed:
        _call(world, _peer(port))

    assert failed.value.status == 503
    assert _only_call_failed("HTTP 502").http_status == 502


def test_an_answer_signed_by_one_of_our_own_keys_is_not_the_peers(
    world: World, http_peer: HttpPeer
) -> None:
    # Made here: the stand-in's thread must not touch the test database.
    forged = signing.sign(world["service"].provider, {"iss": "320100-public_security"}).encode()
    published = json.dumps(signing.jwks()).encode()

    def impostor(method: str, path: str) -> Reply:
        if path.endswith("jwks.json"):
            return 200, "application/json", published
        return 200, "application/jose", forged

    port = http_peer(impostor)
    peer = _peer(port)

    with pytest.raises(federation.AnswerNotTrusted):
        _call(world, peer)

    _only_call_failed("untrusted answer")


def test_a_suspended_peer_is_not_called_and_its_keys_stop_verifying(world: World) -> None:
    key = OKPKey.generate_key("Ed25519", parameters={"kid": f"{REMOTE_CONSUMER}:20261124:0a0b0c0d"})
    peer = _peer(1, keys=[key.as_dict(private=False)], status=PeerStatus.SUSPENDED)
    token = _signed_by(key, {"iss": REMOTE_CONSUMER})

    with pytest.raises(federation.PeerInactive):
        _call(world, peer)
    with pytest.raises(signing.SignatureRefused):
        signing.verify_signer(token)
    assert not RemoteCall.objects.exists()


# ----- the registry: a peer speaks only for its own departments --------------------------------


def _jwks_peer(http_peer: HttpPeer, document: dict[str, Any]) -> int:
    body = json.dumps(document).encode()
    return int(http_peer(lambda method, path: (200, "application/json", body)))


def _public(kid: str) -> dict[str, Any]:
    return OKPKey.generate_key("Ed25519", parameters={"kid": kid}).as_dict(private=False)


def test_registering_a_peer_keeps_only_keys_of_its_own_departments(
    world: World, http_peer: HttpPeer
) -> None:
    own = _public(f"{REMOTE_CONSUMER}:20261124:00000001")
    port = _jwks_peer(
        http_peer,
        {
            "region": "320000",
            "keys": [
                own,
                _public("330106-civil_affairs:20261124:00000002"),  # one of our departments
                _public("310100-civil_affairs:20261124:00000003"),  # another region's
                _public("not-a-namespaced-kid"),
                {**own, "kid": f"{REMOTE_CONSUMER}:20261124:00000004", "crv": "X25519"},
            ],
        },
    )

    peer = federation.register_peer(
        code="320000", name="Jiangsu", base_url=f"http://127.0.0.1:{port}/", actor="admin"
    )

    assert [key["kid"] for key in peer.keys] == [own["kid"]]
    assert peer.base_url == f"http://127.0.0.1:{port}"
    assert LedgerEntry.objects.filter(
        event_type="exchange.peer_registered", subject_ref="peer:320000"
    ).exists()


@pytest.mark.parametrize(
    ("code", "served_region", "message"),
    [
        ("330100", "330100", "overlaps this instance's region"),  # inside our own province
        ("000000", "000000", "province, city or county"),
        ("320000", "310000", "serves region 310000"),  # the address is another region's
    ],
)
def test_a_peer_that_overlaps_us_or_is_not_what_it_says_is_refused(
    world: World, http_peer: HttpPeer, code: str, served_region: str, message: str
) -> None:
    port = _jwks_peer(http_peer, {"region": served_region, "keys": []})

    with pytest.raises(federation.PeerInvalid, match=message):
        federation.register_peer(
            code=code, name="x", base_url=f"http://127.0.0.1:{port}", actor="admin"
        )
    assert not PeerRegion.objects.exists()


def test_a_peer_key_stored_for_one_of_our_departments_never_verifies(world: World) -> None:
    # Even if such a key reached the registry, its department is not the peer's to sign for.
    key = OKPKey.generate_key(
        "Ed25519", parameters={"kid": "330106-civil_affairs:20261124:0a0b0c0d"}
    )
    _peer(1, keys=[key.as_dict(private=False)])

    with pytest.raises(signing.SignatureRefused, match="not in the registry"):
        signing.verify_signer(_signed_by(key, {"iss": "330106-civil_affairs"}))


# ----- the provider's side: a peer region's department under its own grant ---------------------


def _signed_by(key: OKPKey, claims: dict[str, Any]) -> str:
    header = {"alg": signing.ALGORITHM, "kid": key.kid, "typ": signing.TYPE}
    return jws.serialize_compact(
        header, json.dumps(claims).encode(), key, algorithms=[signing.ALGORITHM]
    )


def _remote_request(key: OKPKey, service: DataService, subject: str, purpose: str) -> str:
    return _signed_by(
        key,
        {
            "iss": REMOTE_CONSUMER,
            "aud": service.provider.code,
            "svc": service.code,
            "sub": subject,
            "purpose": purpose,
            "ref": "320100-20261124-000003",
            "actor": "clerk.wang",
            "nonce": f"n{time.monotonic_ns()}",
            "iat": int(timezone.now().timestamp()),
        },
    )


def test_a_peer_regions_department_gets_its_granted_fields_only(world: World) -> None:
    service = world["service"]
    steward = factories.officer(service.provider, "data_steward")
    number = resident_id()
    person = citizen(world["divisions"]["community"], id_number=number)
    services.load_records(
        service, [(number, {"name": "王小明", "sex": "male", "household_division": "330106"})]
    )
    key = OKPKey.generate_key("Ed25519", parameters={"kid": f"{REMOTE_CONSUMER}:20261124:0a0b0c0d"})
    peer = _peer(1, keys=[key.as_dict(private=False)])
    with pytest.raises(DomainError, match="not a department of region"):
        federation.grant_remote_access(
            steward,
            service,
            peer=peer,
            consumer_code="330106-civil_affairs",
            purpose="marriage_registration",
            fields=["name"],
            expires_at=timezone.now() + timedelta(days=1),
        )
    federation.grant_remote_access(
        steward,
        service,
        peer=peer,
        consumer_code=REMOTE_CONSUMER,
        purpose="marriage_registration",
        fields=["name"],
        expires_at=timezone.now() + timedelta(days=1),
    )

    answered = services.answer(
        service, _remote_request(key, service, number, "marriage_registration")
    )
    other_purpose = services.answer(service, _remote_request(key, service, number, "tax_audit"))

    assert answered.status == 200
    provider_key, claims = signing.verify(answered.token)
    assert provider_key.department == service.provider
    assert (claims["aud"], claims["data"]) == (REMOTE_CONSUMER, {"name": "王小明"})
    assert other_purpose.status == 403
    message = ExchangeMessage.objects.get(status="answered")
    assert (message.consumer, message.peer, message.remote_consumer) == (
        None,
        peer,
        REMOTE_CONSUMER,
    )
    assert message.subject_user == person
    assert message.consumer_name == f"{REMOTE_CONSUMER} · Jiangsu"
    # The person sees the other region's read; a misuse report belongs to that region.
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(person)
    assert f"{REMOTE_CONSUMER} · Jiangsu" in page.get("/my-data/").content.decode()
    assert message.access is not None
    with pytest.raises(DomainError, match="report it to that region"):
        services.report_misuse(person, message.access, reason="I never applied for anything there.")


def test_a_peers_new_key_is_fetched_when_a_request_signed_with_it_arrives(
    world: World, http_peer: HttpPeer
) -> None:
    old = OKPKey.generate_key("Ed25519", parameters={"kid": f"{REMOTE_CONSUMER}:20261124:00000001"})
    new = OKPKey.generate_key("Ed25519", parameters={"kid": f"{REMOTE_CONSUMER}:20261125:00000002"})
    published = json.dumps(
        {"region": "320000", "keys": [old.as_dict(private=False), new.as_dict(private=False)]}
    ).encode()
    port = http_peer(lambda method, path: (200, "application/json", published))
    peer = _peer(port, keys=[old.as_dict(private=False)], fetched_at=timezone.now())
    token = _signed_by(new, {"iss": REMOTE_CONSUMER})

    federation.refresh_for_unknown_key(token)  # fetched a moment ago: not again yet
    with pytest.raises(signing.SignatureRefused):
        signing.verify_signer(token)
    PeerRegion.objects.filter(pk=peer.pk).update(fetched_at=timezone.now() - timedelta(minutes=1))
    federation.refresh_for_unknown_key(token)

    signer, claims = signing.verify_signer(token)
    assert (signer.peer, signer.code, claims["iss"]) == (peer, REMOTE_CONSUMER, REMOTE_CONSUMER)
    assert LedgerEntry.objects.filter(event_type="exchange.peer_keys_changed").exists()
