"""Accounts that need a second factor can do nothing else until they have given it; a page
that refused its visitor answers the way pages do (sign-in page, 403 page)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import get_resolver, get_urlconf, reverse
from django.utils.translation import gettext as _

from onewindow.core.errors import PermissionDenied as Forbidden
from onewindow.core.errors import Unauthenticated, problem
from onewindow.core.problem_json import render_problem
from onewindow.identity.decorators import second_factor_url

# Paths an unverified officer may still open: the second-factor steps and the shell's basics.
OPEN_PREFIXES = ("/static/", "/healthz", "/readyz", "/language/", "/elder-mode/")


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.needs_second_factor
            and not user.is_verified()  # type: ignore[attr-defined]  # added by OTPMiddleware
            and not self._is_open(request.path)
        ):
            if request.path.startswith("/api/"):
                document = problem(
                    status=401,
                    code="second_factor_required",
                    title=_("Enter your authenticator code first."),
                )
                return render_problem(document)
            return HttpResponseRedirect(second_factor_url(request))
        return self.get_response(request)

    @staticmethod
    def _is_open(path: str) -> bool:
        allowed = (
            reverse("identity:verify"),
            reverse("identity:enrol"),
            reverse("identity:sign-out"),
        )
        return path.startswith(OPEN_PREFIXES) or path in allowed


class RefusedAccessMiddleware:
    """A page whose view refused the person (`decorators.signed_in_user`,
    `decorators.verified_officer`): nobody signed in goes to the sign-in page, a person
    without the right gets the site's 403 page. The JSON API answers problem+json itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        if isinstance(exception, Unauthenticated):
            return redirect_to_login(request.get_full_path())
        if isinstance(exception, Forbidden):
            forbidden = get_resolver(get_urlconf()).resolve_error_handler(403)
            response: HttpResponseBase = forbidden(request, HttpForbidden())  # type: ignore[call-arg]
            return response
        return None
