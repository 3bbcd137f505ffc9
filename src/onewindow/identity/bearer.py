"""Partner apps call `/api/v1/` for a signed-in person with an OAuth 2 access token
(`Authorization: Bearer ...`, RFC 6750) carrying the endpoint's scope.

Each person's endpoint declares its scope: `auth=person(APPLICATIONS_FILE)`. The session
of the site itself still works beside it. A token that is unknown, expired, revoked or
whose client is suspended is a 401 (`error="invalid_token"`); a good token without the
endpoint's scope, or whose client no longer may hold it, is a 403
(`error="insufficient_scope"`). The token then acts as its person: it can do what the
person can do on the site, nothing more.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer, django_auth
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request as OAuthlibRequest

from onewindow.core.errors import DomainError
from onewindow.identity.models import Client, User
from onewindow.identity.oidc.scopes import allowed_for


class InvalidToken(DomainError):
    status = 401
    code = "invalid_token"

    def response_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{self}"'}


class InsufficientScope(DomainError):
    status = 403
    code = "insufficient_scope"

    def response_headers(self) -> dict[str, str]:
        scope = self.params.get("scope", "")
        return {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'}


class OAuthBearer(HttpBearer):
    """django-ninja auth for one scope; django-oauth-toolkit checks the token."""

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # django-oauth-toolkit's own check (known, unexpired, client usable); the scope is
        # checked below, so a good token lacking it is told apart (403 rather than 401).
        oauth_request = OAuthlibRequest(request.build_absolute_uri(request.path))
        validator = oauth2_settings.OAUTH2_VALIDATOR_CLASS()
        if not validator.validate_bearer_token(token.strip(), [], oauth_request):
            raise InvalidToken(
                _("The access token is not valid: it is unknown, expired or revoked.")
            )
        access_token = oauth_request.access_token
        client = access_token.application
        user = access_token.user
        if not isinstance(user, User) or not user.is_active or not isinstance(client, Client):
            raise InvalidToken(
                _("The access token is not valid: it is unknown, expired or revoked.")
            )
        granted = set(access_token.scopes) & set(allowed_for(client))
        if self.scope not in granted:
            raise InsufficientScope(
                _("This access token does not carry the scope %(scope)s."),
                params={"scope": self.scope},
            )
        request.user = user
        request.oauth_client = client  # type: ignore[attr-defined]
        return user


def person(scope: str) -> list[Any]:
    """The auth of a person's endpoint: a bearer token with `scope`, or the site's session."""
    return [OAuthBearer(scope), django_auth]


def partner_client(request: HttpRequest) -> Client | None:
    """The client whose token authorised this request, if it came through one."""
    client = getattr(request, "oauth_client", None)
    return client if isinstance(client, Client) else None
