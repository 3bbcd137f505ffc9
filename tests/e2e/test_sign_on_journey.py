"""Signing in to a partner's site through OneWindow, in a real browser under our own CSP.

The partner is a real web site on another loopback host (127.0.0.1, while OneWindow is at
localhost: another site, so our SameSite=Lax session cookie behaves as it does in the wild).
Its relying party is Authlib's OpenID Connect client, assembled as Authlib's own framework
integrations assemble it; a second one is pyoidc (`oic`). Each step must land back at the
partner: first sign-in with consent, refresh, RP-initiated logout by GET (with an ID token,
and without one, through the confirmation page), a returning sign-in (no consent screen),
and RP-initiated logout by POST. The consent screen itself is checked in both languages."""

from __future__ import annotations

import base64
import hashlib
import html
import threading
import traceback
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from authlib.integrations.base_client import (
    BaseApp,
    FrameworkIntegration,
    OAuth2Mixin,
    OpenIDMixin,
)
from authlib.integrations.requests_client import OAuth2Session
from oauth2_provider.models import AccessToken
from oic import rndstr
from oic.oic import Client as PyoidcClient
from oic.oic.message import AuthorizationResponse, RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD

from onewindow.core.models import Division
from onewindow.identity.models import ClientConsent, User
from onewindow.identity.oidc import provider as oidc
from tests.e2e.test_application_journeys import _sign_in
from tests.e2e.test_journeys import serious_violations
from tests.identity import factories
from tests.identity.oidc_helpers import REDIRECT_URI, as_public_site, world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT_MS = 15_000  # a redirect blocked by CSP leaves the browser where it was: fail, not hang


# ----- a partner's web site on a loopback port ---------------------------------------------------

Page = tuple[int, dict[str, str], str]  # status, headers, HTML


class PartnerSite:
    """A tiny web site on 127.0.0.1 at a free port. Each route answers (status, headers,
    HTML); every request is recorded, and an exception in a route is a 500 whose text the
    test can read (and `errors` keeps it)."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[dict[str, str]], Page]] = {}
        self.visits: list[str] = []
        self.errors: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.visits.append(self.path)
                parts = urlsplit(self.path)
                query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
                route = site.routes.get(parts.path)
                try:
                    status, headers, body = route(query) if route else (404, {}, "not here")
                except Exception:  # the test reads it from the page and from `errors`
                    site.errors.append(traceback.format_exc())
                    status, headers, body = 500, {}, html.escape(site.errors[-1])
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PartnerSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _page(title: str, body: str = "") -> str:
    return f"<!doctype html><html lang='en'><title>{title}</title><h1>{title}</h1>{body}</html>"


class AuthlibApp(OAuth2Mixin, OpenIDMixin, BaseApp):
    """Authlib's OpenID Connect client, made of the classes its Flask, Django and Starlette
    integrations are made of (discovery, PKCE, nonce, ID token validation, logout URLs)."""

    client_cls = OAuth2Session


class AuthlibPartner:
    """The partner's relying party: /sign-in sends the browser to OneWindow, /callback swaps
    the code and validates the ID token, /refresh rotates the tokens, /sign-out and
    /sign-out-by-post end the session at OneWindow, /signed-out is where OneWindow returns."""

    def __init__(self, site: PartnerSite, provider: str, client_id: str, secret: str) -> None:
        self.site = site
        self.redirect_uri = f"{site.url}/callback"
        self.signed_out_uri = f"{site.url}/signed-out"
        self.app = AuthlibApp(
            FrameworkIntegration("partner"),
            client_id=client_id,
            client_secret=secret,
            server_metadata_url=f"{provider}/.well-known/openid-configuration",
            client_kwargs={
                "scope": "openid profile division",
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_basic",
            },
        )
        self.pending: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, Any] = {}
        self.claims: dict[str, Any] = {}
        self.returned_states: list[str] = []
        site.routes.update(
            {
                "/sign-in": self.sign_in,
                "/callback": self.callback,
                "/refresh": self.refresh,
                "/sign-out": self.sign_out,
                "/sign-out-without-token": self.sign_out_without_token,
                "/sign-out-by-post": self.sign_out_by_post,
                "/signed-out": self.signed_out,
            }
        )

    def sign_in(self, query: dict[str, str]) -> Page:
        started = self.app.create_authorization_url(redirect_uri=self.redirect_uri)
        self.pending[started["state"]] = started
        return 302, {"Location": started["url"]}, ""

    def callback(self, query: dict[str, str]) -> Page:
        started = self.pending.pop(query["state"])  # a state we did not send is a KeyError
        metadata = self.app.load_server_metadata()
        # RFC 9207: the answer names its issuer, and it is the one we asked.
        assert query["iss"] == metadata["issuer"], (query, metadata["issuer"])
        # Authlib's stubs leave fetch_access_token unannotated (a dict of the token's fields).
        token: dict[str, Any] = self.app.fetch_access_token(  # type: ignore[no-untyped-call]
            redirect_uri=self.redirect_uri,
            code=query["code"],
            code_verifier=started["code_verifier"],
        )
        claims = self.app.parse_id_token(token, nonce=started["nonce"])
        assert claims is not None  # an OpenID Connect answer carries an ID token
        self.claims = dict(claims)
        self.tokens = dict(token)
        return 200, {}, _page("Signed in at the partner", f"<p>{self.claims['name']}</p>")

    def refresh(self, query: dict[str, str]) -> Page:
        metadata = self.app.load_server_metadata()
        session = OAuth2Session(
            self.app.client_id,
            self.app.client_secret,
            token_endpoint_auth_method="client_secret_basic",
        )
        old = self.tokens
        self.tokens = dict(
            session.refresh_token(metadata["token_endpoint"], refresh_token=old["refresh_token"])
        )
        assert self.tokens["refresh_token"] != old["refresh_token"]
        assert self.tokens["access_token"] != old["access_token"]
        info = self.app.userinfo(token=self.tokens)
        assert info["sub"] == self.claims["sub"]
        return 200, {}, _page("Tokens refreshed at the partner")

    def _logout_url(self, **extra: str) -> str:
        logout = self.app.create_logout_url(post_logout_redirect_uri=self.signed_out_uri, **extra)
        self.pending[logout["state"]] = {"logout": True}
        return str(logout["url"])

    def sign_out(self, query: dict[str, str]) -> Page:
        return 302, {"Location": self._logout_url(id_token_hint=self.tokens["id_token"])}, ""

    def sign_out_without_token(self, query: dict[str, str]) -> Page:
        return 302, {"Location": self._logout_url(client_id=self.app.client_id)}, ""

    def sign_out_by_post(self, query: dict[str, str]) -> Page:
        """RP-Initiated Logout 1.0 section 2: the same request, form-serialised, by POST."""
        url = urlsplit(self._logout_url(id_token_hint=self.tokens["id_token"]))
        fields = "".join(
            f"<input type='hidden' name='{html.escape(key)}' value='{html.escape(value[-1])}'>"
            for key, value in parse_qs(url.query).items()
        )
        action = html.escape(f"{url.scheme}://{url.netloc}{url.path}")
        form = f"<form method='post' action='{action}'>{fields}<button>Sign out</button></form>"
        return 200, {}, _page("Partner", form)

    def signed_out(self, query: dict[str, str]) -> Page:
        assert self.pending.pop(query["state"]) == {"logout": True}
        self.returned_states.append(query["state"])
        return 200, {}, _page("Signed out at the partner")


def _sign_in_at_onewindow(page: Any, base: str, user: User) -> None:
    page.wait_for_url(f"{base}/account/sign-in/**", timeout=WAIT_MS)
    page.get_by_label("Account name, mobile number or resident ID number").fill(user.username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").last.click()


def _signed_out_of_onewindow(page: Any, base: str) -> bool:
    page.goto(f"{base}/account/profile/")
    return "/account/sign-in/" in page.url


@pytest.fixture
def partner_site() -> Iterator[PartnerSite]:
    with PartnerSite() as site:
        yield site


def test_a_partner_using_authlib_signs_a_person_in_and_out_in_a_browser(
    browser: Any,
    live_server: Any,
    settings: Any,
    divisions: dict[str, Division],
    partner_site: PartnerSite,
) -> None:
    base = as_public_site(settings, live_server.url)
    partner = partner_site.url
    given = world(
        divisions,
        redirect_uris=(f"{partner}/callback",),
        post_logout_redirect_uris=(f"{partner}/signed-out",),
    )
    rp = AuthlibPartner(partner_site, f"{base}/o", given.client.client_id, given.secret)
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    shown: list[str] = []  # every page the browser showed (redirects pass through unseen)
    page.on(
        "framenavigated",
        lambda frame: shown.append(frame.url) if frame == page.main_frame else None,
    )
    refused: list[str] = []  # what our CSP refused, as chromium reports it
    page.on(
        "console",
        lambda line: refused.append(line.text) if "Content Security" in line.text else None,
    )

    # First sign-in: OneWindow asks who, then asks consent, then back at the partner.
    page.goto(f"{partner}/sign-in")
    _sign_in_at_onewindow(page, base, given.citizen)
    page.wait_for_url(f"{base}/o/authorize/**", timeout=WAIT_MS)
    page.get_by_role("button", name="Allow", exact=True).click()
    page.wait_for_url(f"{partner}/callback**", timeout=WAIT_MS)
    assert page.get_by_role("heading", level=1).inner_text() == "Signed in at the partner"
    assert rp.claims["sub"] == oidc.subject_for(given.citizen, given.client)
    assert rp.claims["iss"] == f"{base}/o"
    assert rp.claims["division"] == "330106001001"

    # Refresh: new tokens, the same person.
    page.goto(f"{partner}/refresh")
    assert page.get_by_role("heading", level=1).inner_text() == "Tokens refreshed at the partner"

    # Logout by GET with the ID token: no question, back at the partner, signed out here.
    page.goto(f"{partner}/sign-out")
    page.wait_for_url(f"{partner}/signed-out**", timeout=WAIT_MS)
    assert _signed_out_of_onewindow(page, base)

    # A returning sign-in: no consent screen, straight back (the form's redirect chain ends
    # at the partner: CSP form-action on the sign-in page).
    shown.clear()
    page.goto(f"{partner}/sign-in")
    _sign_in_at_onewindow(page, base, given.citizen)
    page.wait_for_url(f"{partner}/callback**", timeout=WAIT_MS)
    assert not [url for url in shown if urlsplit(url).path == "/o/authorize/"]
    assert ClientConsent.objects.filter(user=given.citizen, client=given.client).count() == 1

    # Logout by POST from the partner's page: the partner's tokens for the person go too.
    page.goto(f"{partner}/sign-out-by-post")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{partner}/signed-out**", timeout=WAIT_MS)
    assert _signed_out_of_onewindow(page, base)
    assert not AccessToken.objects.filter(user=given.citizen, application=given.client).exists()

    # Logout by GET without an ID token: OneWindow asks, the answer goes back to the partner.
    page.goto(f"{partner}/sign-in")
    _sign_in_at_onewindow(page, base, given.citizen)
    page.wait_for_url(f"{partner}/callback**", timeout=WAIT_MS)
    page.goto(f"{partner}/sign-out-without-token")
    page.wait_for_url(f"{base}/o/logout/**", timeout=WAIT_MS)
    assert serious_violations(page) == []
    page.get_by_role("main").get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{partner}/signed-out**", timeout=WAIT_MS)
    assert _signed_out_of_onewindow(page, base)

    assert len(rp.returned_states) == 3
    assert partner_site.errors == []
    assert refused == []
    context.close()


def test_a_partner_using_pyoidc_runs_the_code_flow_with_pkce(
    browser: Any,
    live_server: Any,
    settings: Any,
    divisions: dict[str, Division],
    partner_site: PartnerSite,
) -> None:
    base = as_public_site(settings, live_server.url)
    callback = f"{partner_site.url}/callback"
    partner_site.routes["/callback"] = lambda query: (200, {}, _page("Back at the partner"))
    given = world(divisions, scopes=("profile",), redirect_uris=(callback,))
    rp = PyoidcClient(client_authn_method=CLIENT_AUTHN_METHOD)
    rp.provider_config(f"{base}/o")  # discovery, with its issuer checked, and the JWKS
    rp.store_registration_info(
        RegistrationResponse(
            client_id=given.client.client_id,
            client_secret=given.secret,
            redirect_uris=[callback],
        )
    )
    pkce, verifier = rp.add_code_challenge()
    state, nonce = rndstr(), rndstr()
    request = rp.construct_AuthorizationRequest(
        request_args={
            "client_id": rp.client_id,
            "response_type": "code",
            "scope": ["openid", "profile"],
            "redirect_uri": callback,
            "state": state,
            "nonce": nonce,
            **pkce,
        }
    )
    context = browser.new_context(locale="en-US")
    page = context.new_page()

    page.goto(request.request(rp.authorization_endpoint))
    _sign_in_at_onewindow(page, base, given.citizen)
    page.wait_for_url(f"{base}/o/authorize/**", timeout=WAIT_MS)
    page.get_by_role("button", name="Allow", exact=True).click()
    page.wait_for_url(f"{callback}**", timeout=WAIT_MS)
    answer = rp.parse_response(
        AuthorizationResponse, info=urlsplit(page.url).query, sformat="urlencoded"
    )
    tokens = rp.do_access_token_request(
        state=answer["state"],
        request_args={"code": answer["code"], "code_verifier": verifier},
        authn_method="client_secret_basic",
    )
    info = rp.do_user_info_request(state=answer["state"])

    assert answer["state"] == state
    assert answer["iss"] == rp.provider_info["issuer"] == f"{base}/o"
    id_token = tokens["id_token"]  # pyoidc verified its signature against the JWKS
    assert id_token["iss"] == f"{base}/o"
    assert id_token["aud"] == [given.client.client_id]
    assert id_token["nonce"] == nonce
    assert id_token["sub"] == info["sub"] == oidc.subject_for(given.citizen, given.client)
    assert info["name"] == "王小明"
    assert partner_site.errors == []
    context.close()


def test_the_consent_screen_in_both_languages_then_back_to_the_app(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    given = world(divisions, scopes=("profile", "division", "applications:read"))
    base = live_server.url
    verifier = "v" * 64
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    query = urlencode(
        {
            "client_id": given.client.client_id,
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile division applications:read",
            "state": "xyz",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    arrived: list[str] = []

    def partner(route: Any) -> None:
        arrived.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>partner</title>ok")

    page.route("https://partner.example/**", partner)
    _sign_in(page, base, given.citizen.username)

    page.goto(f"{base}/o/authorize/?{query}")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert "City services mini-program" in heading
    text = page.content()
    assert "王小明" in text  # the real name it will receive
    assert given.citizen.masked_id_number in text
    assert "Read your applications and drafts" in text
    assert serious_violations(page) == []

    page.get_by_role("button", name="简体中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert "City services mini-program" in page.get_by_role("heading", level=1).inner_text()
    assert serious_violations(page) == []

    page.locator("button[name=allow]").click()
    page.wait_for_url("https://partner.example/**")
    answer = parse_qs(urlsplit(arrived[-1]).query)
    assert answer["state"] == ["xyz"]
    assert answer["code"]
    assert ClientConsent.objects.get(user=given.citizen).scopes == [
        "applications:read",
        "division",
        "openid",
        "profile",
    ]
    context.close()
