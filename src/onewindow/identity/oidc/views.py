"""The sign-on pages django-oauth-toolkit leaves to us: the consent screen (in both languages,
listing exactly the claims the client will receive, remembered per client and scopes),
RP-initiated logout that also ends the session on the account security page, the provider's
metadata as the standards spell it, and introspection that tells a client only about its own
tokens.

Our CSP says `form-action 'self'`, and Chromium applies it to every redirect that follows a
form's submission. A sign-on form (sign-in, second factor, consent, logout confirmation) ends
in a redirect to the client, so those pages, and only they, also allow exactly the registered
URIs of the client in play, computed per request (docs/adr/0006-oidc-provider.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from oauth2_provider.exceptions import InvalidOIDCClientError, OAuthToolkitError
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import (
    AuthorizationView,
    ConnectDiscoveryInfoView,
    IntrospectTokenView,
    OAuthServerMetadataView,
    RPInitiatedLogoutView,
)
from oauthlib.common import Request as OAuthlibRequest
from oauthlib.common import add_params_to_uri
from oauthlib.openid.connect.core.exceptions import ConsentRequired, LoginRequired

from onewindow.identity.account import security
from onewindow.identity.decorators import signed_in_user
from onewindow.identity.models import Client, User
from onewindow.identity.oidc import provider as oidc

# ----- where a sign-on form may send the browser (CSP form-action) ------------------------------

# CSP host-part: DNS labels or an IPv4 address (IPv6 literals cannot be written in a policy).
_CSP_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.?$")
# A path in a source expression, percent-encoded but for these: `;` and `,` would end the
# directive or the policy, and a quote reads like a keyword.
_CSP_PATH_SAFE = "/-._~!$&()*+=:@%"


def form_action_source(uri: str) -> str | None:
    """The CSP source expression for exactly this redirect URI: scheme, host, port and path
    (a query has no place in one). None when the URI cannot be written as one; the browser
    then refuses the redirect, which is the safe side."""
    try:
        parts = urlsplit(uri.strip())
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return None
    if parts.scheme not in ("http", "https") or not _CSP_HOST.match(host):
        return None
    netloc = f"{host}:{port}" if port else host
    return f"{parts.scheme}://{netloc}{quote(parts.path, safe=_CSP_PATH_SAFE)}"


def allow_forms_to(response: HttpResponseBase, uris: Iterable[str]) -> HttpResponseBase:
    """Let this page's forms end at these URIs as well as at this site."""
    sources = [source for uri in uris if (source := form_action_source(uri))]
    if sources:
        update: dict[str, list[str]] = getattr(response, "_csp_update", None) or {}
        update["form-action"] = [*update.get("form-action", []), *sources]
        response._csp_update = update  # type: ignore[attr-defined]  # read by django-csp
    return response


def _client_continued_by(request: HttpRequest) -> Client | None:
    """The client whose authorisation request this page will continue: `next` is this site's
    authorisation endpoint with the client's identifier."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return None
    parts = urlsplit(target)
    if parts.path != reverse("oauth2_provider:authorize"):
        return None
    client = oidc.client_by_client_id(parse_qs(parts.query).get("client_id", [""])[0])
    return client if client is not None and client.is_usable(request) else None


View = Callable[..., HttpResponseBase]


def continues_sign_on(view: View) -> View:
    """For the sign-in and second-factor pages: when they continue a client's authorisation
    request, their form may end at that client's registered redirect URIs (where a person
    who already consented is sent straight back)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        client = _client_continued_by(request)
        if client is not None:
            allow_forms_to(response, client.redirect_uris.split())
        return response

    return wrapper


# What the consent form carries from the request to the answer (hidden fields).
FORM_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
)


class ConsentView(AuthorizationView):
    """GET /o/authorize/: validate the request (a bad client or redirect URI is an error page,
    never a redirect), then either answer at once (the person already allowed these scopes)
    or ask. POST: the person's answer."""

    template_name = "identity/oidc/authorize.html"

    def handle_no_permission(self) -> HttpResponse:
        """Not signed in: to the sign-in page, unless the client said prompt=none, which
        gets login_required (after the request itself is checked, so never to a redirect
        URI the client did not register)."""
        if "none" not in self.request.GET.get("prompt", "").split():
            to_sign_in: HttpResponse = super().handle_no_permission()
            return to_sign_in
        try:
            _scopes, credentials = self.validate_authorization_request(self.request)
        except OAuthToolkitError as error:
            refused: HttpResponse = self.error_response(error, application=None)
            return refused
        client = Client.objects.get(client_id=credentials["client_id"])
        login_required = OAuthToolkitError(
            error=LoginRequired(state=credentials.get("state")),
            redirect_uri=credentials["redirect_uri"],
        )
        answered: HttpResponse = self.error_response(login_required, client)
        return answered

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            refused: HttpResponse = self.error_response(error, application=None)
            return refused
        prompt = set(request.GET.get("prompt", "").split())
        if "login" in prompt:
            to_sign_in: HttpResponse = self.handle_prompt_login()
            return to_sign_in
        client = Client.objects.select_related("contact_department").get(
            client_id=credentials["client_id"]
        )
        user = signed_in_user(request)
        if "consent" not in prompt and oidc.consent_covers(user, client, scopes):
            try:
                uri, _headers, _body, _status = self.create_authorization_response(
                    request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
                )
            except OAuthToolkitError as error:
                refused = self.error_response(error, client)
                return refused
            answered: HttpResponse = self.redirect(uri, client)
            return answered
        if "none" in prompt:  # OIDC Core 3.1.2.6: no page may be shown
            consent_required = OAuthToolkitError(
                error=ConsentRequired(state=credentials.get("state")),
                redirect_uri=credentials["redirect_uri"],
            )
            refused = self.error_response(consent_required, client)
            return refused
        self.oauth2_data = {key: credentials.get(key) for key in FORM_FIELDS}
        if credentials.get("claims"):
            self.oauth2_data["claims"] = json.dumps(credentials["claims"])
        self.oauth2_data["scopes"] = scopes
        form = self.get_form(self.get_form_class())
        context = self.get_context_data(
            form=form,
            application=client,
            scope_views=oidc.consent_preview(user, client, scopes),
            is_new_scopes=oidc.active_consent(user, client) is not None,
        )
        response: HttpResponse = self.render_to_response(context)
        # Allow or refuse, the answer redirects to the client (CSP form-action).
        allow_forms_to(response, client.redirect_uris.split())
        return response

    def error_response(self, error: Any, application: Any, **kwargs: Any) -> HttpResponse:
        """Errors sent back to the client carry `iss` too (RFC 9207), as answers do: the
        metadata says `authorization_response_iss_parameter_supported`."""
        response: HttpResponse = super().error_response(error, application, **kwargs)
        if (
            isinstance(response, OAuth2ResponseRedirect)
            and oauth2_settings.COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS
        ):
            issuer = oauth2_settings.oauth2_authorization_server_issuer(self.request)
            response["Location"] = add_params_to_uri(response["Location"], [("iss", issuer)])
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        response: HttpResponse = super().form_valid(form)
        allowed = form.cleaned_data.get("allow")
        if allowed and getattr(self, "success_url", None):
            client = Client.objects.get(client_id=form.cleaned_data["client_id"])
            user = signed_in_user(self.request)
            oidc.record_consent(user, client, form.cleaned_data.get("scope", "").split())
        return response


# What an RP-initiated logout request may carry (RP-Initiated Logout 1.0, section 2).
LOGOUT_PARAMETERS = (
    "id_token_hint",
    "logout_hint",
    "client_id",
    "post_logout_redirect_uri",
    "state",
    "ui_locales",
)
CSRF_FIELD = "csrfmiddlewaretoken"


@method_decorator(csrf_exempt, name="dispatch")
class LogoutView(RPInitiatedLogoutView):
    """RP-initiated logout: the client's tokens for the person go, and so does the session.

    The spec lets the client send its request by GET or by POST. A POST from the client's
    site carries no CSRF token (and, our session cookie being SameSite=Lax, no session
    either), so it is answered 303 to the same request by GET, which the browser sends with
    the session: it is then exactly as safe as a GET logout request, which any site can
    link to. The person's own answer on the confirmation page carries our CSRF token and is
    checked as every form on the site is; a POST without a token never counts as one."""

    template_name = "identity/oidc/logout_confirm.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if CSRF_FIELD not in request.POST:
            query = {key: request.POST[key] for key in LOGOUT_PARAMETERS if request.POST.get(key)}
            again = HttpResponse(status=303)
            again["Location"] = f"{request.path}?{urlencode(query)}" if query else request.path
            return again

        def confirmed(checked: HttpRequest) -> HttpResponse:
            answer: HttpResponse = super(LogoutView, self).post(checked, *args, **kwargs)
            return answer

        answered: HttpResponse = csrf_protect(confirmed)(request)
        return answered

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().render_to_response(context, **kwargs)
        # The confirmation's answer redirects to the client (CSP form-action).
        application = context.get("application")
        if isinstance(application, Client):
            allow_forms_to(response, application.post_logout_redirect_uris.split())
        return response

    def get_request_application(self, id_token: Any, client_id: str | None) -> Client | None:
        """The client asking, by `client_id` or the ID token's; an unknown `client_id` is the
        toolkit's "unknown client" error page (400), not the exception it would raise."""
        if client_id:
            found = Client.objects.filter(client_id=client_id).first()
            if found is None:
                raise InvalidOIDCClientError()
            return found
        return id_token.application if id_token else None

    def do_logout(
        self,
        application: Any = None,
        post_logout_redirect_uri: str | None = None,
        state: str | None = None,
        token_user: Any = None,
    ) -> HttpResponse:
        security.end_current_session(self.request)
        response: HttpResponse = super().do_logout(
            application, post_logout_redirect_uri, state, token_user
        )
        return response


# ----- metadata: OIDC Discovery and RFC 8414, one set of facts ---------------------------------


def _complete_metadata(
    view: ConnectDiscoveryInfoView | OAuthServerMetadataView,
    request: HttpRequest,
    data: dict[str, Any],
) -> dict[str, Any]:
    """What both documents say, said once: every endpoint we route, the grants we accept,
    and how a client authenticates at each endpoint."""
    methods = list(oauth2_settings.OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED)
    return {
        **data,
        "token_endpoint_auth_methods_supported": methods,
        "grant_types_supported": list(oauth2_settings.OAUTH2_GRANT_TYPES_SUPPORTED),
        "response_modes_supported": ["query"],
        "revocation_endpoint": view._get_endpoint_url(request, "revoke-token", required=True),
        # A public client revokes its own tokens with its client_id alone (RFC 7009 2.1).
        "revocation_endpoint_auth_methods_supported": methods,
        "introspection_endpoint": view._get_endpoint_url(request, "introspect", required=True),
        # Introspection tells a client about its tokens: it must prove who it is.
        "introspection_endpoint_auth_methods_supported": [m for m in methods if m != "none"],
    }


def _json(response: HttpResponse, document: dict[str, Any]) -> JsonResponse:
    answer = JsonResponse(document)
    answer["Access-Control-Allow-Origin"] = response.get("Access-Control-Allow-Origin", "*")
    return answer


def _issuer_path() -> str:
    issuer: str = oauth2_settings.OIDC_ISS_ENDPOINT
    return urlsplit(issuer).path.rstrip("/")


def _check_issuer_path(view: DiscoveryView | AuthorizationServerMetadataView) -> None:
    """At the root well-known location (RFC 8414 section 3), the path after the well-known
    name must be the issuer's own path."""
    if view.at_root and (view.kwargs.get("issuer_path") or "").rstrip("/") != _issuer_path():
        raise Http404


class DiscoveryView(ConnectDiscoveryInfoView):
    """OpenID Connect Discovery 1.0, at the issuer + /.well-known/openid-configuration (and,
    for RFC 8414 clients, the root form with the issuer's path after it)."""

    at_root = False

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _check_issuer_path(self)
        response: HttpResponse = super().get(request, *args, **kwargs)
        document = _complete_metadata(self, request, json.loads(response.content))
        document["prompt_values_supported"] = ["none", "login", "consent"]
        return _json(response, document)


class AuthorizationServerMetadataView(OAuthServerMetadataView):
    """RFC 8414 metadata, at /.well-known/oauth-authorization-server + the issuer's path (the
    standard's place) and, for older clients, under the issuer like OIDC discovery."""

    at_root = False

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _check_issuer_path(self)
        response: HttpResponse = super().get(request, *args, **kwargs)
        document = _complete_metadata(self, request, json.loads(response.content))
        return _json(response, document)


# ----- introspection ---------------------------------------------------------------------------


class IntrospectView(IntrospectTokenView):
    """RFC 7662 for a client about its own access tokens. Another client's token is inactive
    to it, and the person is named by the pairwise subject this client already knows, never
    by the account name (which would let clients link people across them)."""

    client: Client | None = None

    def authenticate_client(self, request: HttpRequest) -> bool:
        """The client proves who it is (HTTP Basic or the body; never a bearer token: no
        client is ever given the `introspection` scope), and we keep which client it was."""
        core = self.get_oauthlib_core()
        uri, method, body, headers = core._extract_params(request)
        checked = OAuthlibRequest(uri, method, body, headers)
        self.client = None
        if core.server.request_validator.authenticate_client(checked):
            self.client = checked.client if isinstance(checked.client, Client) else None
        return self.client is not None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._answer(request.GET.get("token"))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._answer(request.POST.get("token"))

    def _answer(self, value: str | None) -> HttpResponse:
        client = self.client
        if value is None:
            missing: HttpResponse = self.get_token_response(None)
            return missing
        token = oidc.own_access_token(client, value) if client is not None else None
        if token is None:
            return JsonResponse({"active": False})
        assert client is not None
        answer: dict[str, Any] = {
            "active": True,
            "scope": token.scope,
            "client_id": client.client_id,
            "token_type": "Bearer",
            "exp": int(token.expires.timestamp()),
            "iss": oauth2_settings.OIDC_ISS_ENDPOINT,
        }
        if isinstance(token.user, User):
            answer["sub"] = oidc.subject_for(token.user, client)
        return JsonResponse(answer)
