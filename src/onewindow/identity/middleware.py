"""Accounts that need a second factor can do nothing else until they have given it."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from onewindow.core.errors import problem
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
                return HttpResponse(
                    json.dumps(document, ensure_ascii=False),
                    status=401,
                    content_type="application/problem+json",
                )
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
