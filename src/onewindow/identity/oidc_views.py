"""The sign-on pages django-oauth-toolkit leaves to us: the consent screen (in both languages,
listing exactly the claims the client will receive, remembered per client and scopes) and
RP-initiated logout that also ends the session on the account security page."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from oauth2_provider.exceptions import InvalidOIDCClientError, OAuthToolkitError
from oauth2_provider.views import AuthorizationView, RPInitiatedLogoutView
from oauthlib.openid.connect.core.exceptions import ConsentRequired, LoginRequired

from onewindow.identity import oidc, security
from onewindow.identity.models import Client, User

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


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


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
        user = request.user
        assert isinstance(user, User)
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
        # The answer redirects to the client: let the browser follow the form there (CSP).
        origin = _origin(credentials.get("redirect_uri") or "")
        if origin:
            response._csp_update = {"form-action": [origin]}  # type: ignore[attr-defined]
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        response: HttpResponse = super().form_valid(form)
        allowed = form.cleaned_data.get("allow")
        if allowed and getattr(self, "success_url", None):
            client = Client.objects.get(client_id=form.cleaned_data["client_id"])
            user = self.request.user
            assert isinstance(user, User)
            oidc.record_consent(user, client, form.cleaned_data.get("scope", "").split())
        return response


class LogoutView(RPInitiatedLogoutView):
    """RP-initiated logout: the client's tokens for the person go, and so does the session."""

    template_name = "identity/oidc/logout_confirm.html"

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
