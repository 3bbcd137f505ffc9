"""OneWindow's rules inside django-oauth-toolkit's request validator: pairwise subjects and
our claims, usage counted per client, and every release of a full ID number recorded."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from onewindow.identity.models import Client, User
from onewindow.identity.oidc import provider as oidc
from onewindow.identity.oidc.scopes import CLAIM_SCOPE, ID_NUMBER


def _released(claims: dict[str, Any]) -> list[str]:
    return [ID_NUMBER] if claims.get(ID_NUMBER) else []


class OneWindowValidator(OAuth2Validator):
    oidc_claim_scope = CLAIM_SCOPE

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        # Replaces django-oauth-toolkit's `sub` (the account's primary key) as well.
        user, client = request.user, request.client
        assert isinstance(user, User)
        assert isinstance(client, Client)
        return oidc.claims_for(user, client)

    def get_discovery_claims(self, request: Any) -> list[str]:
        return list(CLAIM_SCOPE)

    def get_id_token_dictionary(
        self, token: Any, token_handler: Any, request: Any
    ) -> tuple[dict[str, Any], Any]:
        claims, expires = super().get_id_token_dictionary(token, token_handler, request)
        oidc.record_claim_release(
            request.user, request.client, claims=_released(claims), via="id_token"
        )
        return claims, expires

    def get_userinfo_claims(self, request: Any) -> dict[str, Any]:
        claims: dict[str, Any] = super().get_userinfo_claims(request)
        oidc.record_claim_release(
            request.user, request.client, claims=_released(claims), via="userinfo"
        )
        return claims

    # prompt=none (OIDC Core 3.1.2.1): the authorisation view has already required a
    # signed-in person, and answers consent_required itself when consent is not on record
    # (oauthlib would otherwise reach these unimplemented hooks and fail).
    def validate_silent_login(self, request: Any) -> bool:
        return True

    def validate_silent_authorization(self, request: Any) -> bool:
        return True

    def _save_bearer_token(self, token: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        saved = super()._save_bearer_token(token, request, *args, **kwargs)
        oidc.count_issued(request.client, is_refresh=request.grant_type == "refresh_token")
        return saved
