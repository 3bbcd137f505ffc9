"""Access rules: staff pages need the right kind of account, verified by TOTP; views and
API handlers get their person from `signed_in_user` or `verified_officer`, typed."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import PermissionDenied as Forbidden
from onewindow.core.errors import Unauthenticated
from onewindow.identity.models import OfficerRole, User, UserKind

View = Callable[..., HttpResponseBase]


def second_factor_url(request: HttpRequest) -> str:
    return f"{reverse('identity:verify')}?{urlencode({'next': request.get_full_path()})}"


def _verified_staff(allowed: Callable[[User], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(user):
                raise PermissionDenied
            if not user.is_verified():  # type: ignore[attr-defined]  # added by OTPMiddleware
                return HttpResponseRedirect(second_factor_url(request))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


officer_required = _verified_staff(lambda user: user.is_officer)
station_agent_required = _verified_staff(lambda user: user.kind == UserKind.STATION_AGENT)


def _may_assist(user: User) -> bool:
    from onewindow.identity.services import may_act_for_residents

    return may_act_for_residents(user)


def _is_platform_admin(user: User) -> bool:
    from onewindow.identity.oidc.provider import is_platform_admin

    return is_platform_admin(user)


# Village agents and window clerks, who act for residents present with their consent.
assistant_required = _verified_staff(_may_assist)
platform_admin_required = _verified_staff(_is_platform_admin)


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in person (by session or bearer token), or `Unauthenticated`: a 401 problem
    document from the API, the sign-in page for a page (identity.middleware)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise Unauthenticated(_("Sign in first."))
    return user


def verified_officer(request: HttpRequest, *roles: str) -> User:
    """The signed-in officer whose session passed the second factor and who holds one of
    `roles` (any officer when none are named), or the domain's `PermissionDenied`: a 403
    problem document from the API, the 403 page for a page (identity.middleware)."""
    user = request.user
    if not isinstance(user, User) or not user.is_officer or not user.is_verified():  # type: ignore[attr-defined]
        raise Forbidden(_("Officer endpoints need a session confirmed with the second factor."))
    if roles and not OfficerRole.objects.filter(user=user, role__in=roles).exists():
        raise Forbidden(
            _("This needs the %(role)s role."), params={"role": " / ".join(map(str, roles))}
        )
    return user
