"""The scopes a sign-on client may ask for, the claims each one releases, and the scope
backend django-oauth-toolkit asks which scopes a client may have.

Identity scopes (`openid`, `profile`, `division`, `id_number`) release claims in the ID token
and at `/o/userinfo/`; API scopes let a partner app call `/api/v1/` for the person. The
full resident ID number (`id_number`) is only for clients a platform administrator allowed
it, naming the law that permits it (`Client.lawful_basis`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from oauth2_provider.scopes import BaseScopes


@dataclass(frozen=True)
class Scope:
    description: str | Promise
    claims: tuple[str, ...] = ()
    is_api: bool = False
    needs_lawful_basis: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


OPENID = "openid"
ID_NUMBER = "id_number"
APPLICATIONS_READ = "applications:read"
APPLICATIONS_FILE = "applications:file"
LICENCES_READ = "licences:read"
CASES_FILE = "cases:file"
INBOX_READ = "inbox:read"
MY_DATA_READ = "my-data:read"

SCOPES: dict[str, Scope] = {
    OPENID: Scope(_("Sign you in"), claims=("sub",)),
    "profile": Scope(
        _("Your real name, masked ID number and account type"),
        claims=("name", "id_number_masked", "account_type"),
    ),
    "division": Scope(_("Where you are registered"), claims=("division", "division_name")),
    ID_NUMBER: Scope(
        _("Your full resident ID number"), claims=("id_number",), needs_lawful_basis=True
    ),
    APPLICATIONS_READ: Scope(_("Read your applications and drafts"), is_api=True),
    APPLICATIONS_FILE: Scope(_("File applications and answer requests for you"), is_api=True),
    LICENCES_READ: Scope(_("Read your licences and certificates"), is_api=True),
    CASES_FILE: Scope(_("File complaints and requests (cases) for you"), is_api=True),
    INBOX_READ: Scope(_("Read your OneWindow messages"), is_api=True),
    MY_DATA_READ: Scope(_("Read who accessed your personal data"), is_api=True),
}

CLAIM_LABELS: dict[str, str | Promise] = {
    "sub": _("An identifier for you, used only by this client"),
    "name": _("Real name"),
    "id_number_masked": _("Resident ID number, masked"),
    "account_type": _("Account type"),
    "division": _("Registered division (code)"),
    "division_name": _("Registered division (name)"),
    "id_number": _("Full resident ID number"),
}

# For django-oauth-toolkit: a claim is released only under its scope.
CLAIM_SCOPE: dict[str, str] = {
    claim: name for name, scope in SCOPES.items() for claim in scope.claims
}


def allowed_for(client: Any) -> list[str]:
    """The scopes this client may ask for: `openid` and what the registry allowed it (the
    full ID number only with a legal basis on record)."""
    allowed = [OPENID]
    for name in client.allowed_scopes or []:
        scope = SCOPES.get(name)
        if scope is None or name in allowed:
            continue
        if scope.needs_lawful_basis and not client.lawful_basis.strip():
            continue
        allowed.append(name)
    return allowed


class ClientScopes(BaseScopes):
    """django-oauth-toolkit's scope backend: the registry decides per client."""

    def get_all_scopes(self) -> dict[str, str]:
        return {name: str(scope.description) for name, scope in SCOPES.items()}

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        if application is None:
            return list(SCOPES)
        return allowed_for(application)

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return [OPENID]
