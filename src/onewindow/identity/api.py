"""The signed-in person's own account."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from onewindow.identity.bearer import person
from onewindow.identity.models import User

router = Router(tags=["identity"], auth=django_auth)


class MeOut(Schema):
    username: str
    kind: str
    real_name: str
    masked_id_number: str
    masked_mobile: str
    division_code: str | None
    preferred_language: str
    prefers_elder_mode: bool

    @staticmethod
    def resolve_division_code(user: User) -> str | None:
        return user.division.code if user.division else None


@router.get(
    "/me", response=MeOut, summary="My account, personal data masked", auth=person("profile")
)
def me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user
