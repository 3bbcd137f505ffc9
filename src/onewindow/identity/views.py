"""Sign-in (password, then TOTP where required), registration, profile, officer home."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from onewindow.core import ratelimit
from onewindow.core.errors import DomainError
from onewindow.core.personal_data import mask_name
from onewindow.core.validators import normalise_mobile
from onewindow.identity import selectors, services
from onewindow.identity.account import security
from onewindow.identity.decorators import assistant_required, officer_required, signed_in_user
from onewindow.identity.forms import (
    AssistMethodForm,
    BusinessRegistrationForm,
    CitizenRegistrationForm,
    ConsentCodeForm,
    PreferencesForm,
    SignedFormUploadForm,
    SignInForm,
    TokenForm,
)
from onewindow.identity.models import AgentConsent, ConsentChallenge, ConsentMethod, User, UserKind
from onewindow.identity.oidc import provider as oidc
from onewindow.identity.oidc.views import continues_sign_on

ENROL_SESSION_KEY = "identity.enrolling_device"


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def locked_out(request: HttpRequest, response: Any, credentials: Any) -> HttpResponse:
    """django-axes calls this when an account is locked: say so, and for how long."""
    form = SignInForm(request)
    return render(request, "identity/locked_out.html", {"form": form, "minutes": 30}, status=429)


def _sign_in_account(identifier: str) -> str:
    """What the per-account failure limit counts: the account the identifier names (by
    name, mobile or ID number alike), else the identifier, so guessing names is limited too."""
    identifier = identifier.strip()
    if not identifier:
        return ""
    if not identifier.isprintable() or len(identifier) > 64:
        # Never a valid account name; control characters must not reach a query.
        return "name:" + identifier.lower()
    user = services.find_user_by_identifier(identifier)
    return ratelimit.account_of(user.pk) if user is not None else "name:" + identifier.lower()


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
@continues_sign_on
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request, "")
    form = SignInForm(request, data=request.POST or None)
    if request.method == "POST":
        # Failures are counted per address across accounts (password spraying) and per
        # account from anywhere; past either limit no password is even tried.
        address = ratelimit.address_of(request)
        account = _sign_in_account(request.POST.get("username", ""))
        ratelimit.check(ratelimit.SIGN_IN_FAILURES_PER_ADDRESS, address)
        ratelimit.check(ratelimit.SIGN_IN_FAILURES_PER_ACCOUNT, account)
        if not form.is_valid() and form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            ratelimit.record(ratelimit.SIGN_IN_FAILURES_PER_ADDRESS, address)
            ratelimit.record(ratelimit.SIGN_IN_FAILURES_PER_ACCOUNT, account)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        # Without a page to return to, officers land on their own home, citizens on theirs.
        next_url = next_url or _home_of(user)
        security.sign_in(request, user)
        if user.preferred_language:
            request.session["_language"] = user.preferred_language
        if user.needs_second_factor:
            return HttpResponseRedirect(
                f"{reverse('identity:verify')}?{urlencode({'next': next_url})}"
            )
        return HttpResponseRedirect(next_url)
    return render(request, "identity/sign_in.html", {"form": form, "next": next_url})


def _home_of(user: User) -> str:
    return (
        reverse("identity:officer-home")
        if user.is_officer
        else reverse(settings.LOGIN_REDIRECT_URL)
    )


@login_required
@require_http_methods(["GET", "POST"])
@continues_sign_on
def verify(request: HttpRequest) -> HttpResponse:
    """Second step: the 6-digit TOTP code. Without a confirmed device, enrol one first."""
    user = signed_in_user(request)
    next_url = _next_url(request, reverse("identity:officer-home") if user.is_officer else "/")
    device = selectors.confirmed_totp_device(user)
    if device is None:
        return HttpResponseRedirect(f"{reverse('identity:enrol')}?{urlencode({'next': next_url})}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            otp_login(request, device)
            return HttpResponseRedirect(next_url)
        form.add_error("token", _("That code is not right or has expired. Enter the current code."))
    return render(request, "identity/verify.html", {"form": form, "next": next_url})


@login_required
@require_http_methods(["GET", "POST"])
@continues_sign_on
def enrol(request: HttpRequest) -> HttpResponse:
    """First-time set-up of an authenticator app: scan the QR, confirm with one code."""
    user = signed_in_user(request)
    next_url = _next_url(request, "/")
    if selectors.confirmed_totp_device(user) is not None:
        return HttpResponseRedirect(f"{reverse('identity:verify')}?{urlencode({'next': next_url})}")
    device = selectors.enrolling_totp_device(user, request.session.get(ENROL_SESSION_KEY))
    if device is None:
        device = services.start_totp_enrolment(user)
        request.session[ENROL_SESSION_KEY] = device.pk
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            services.confirm_totp_device(device)
            request.session.pop(ENROL_SESSION_KEY, None)
            otp_login(request, device)
            messages.success(request, _("Two-factor sign-in is set up."))
            return HttpResponseRedirect(next_url)
        form.add_error(
            "token", _("That code is not right. Check the time on your phone and try again.")
        )
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "identity/enrol.html",
        {
            "form": form,
            "next": next_url,
            "qr_data_uri": qr.svg_data_uri(scale=4, dark="#000"),
            "secret": _base32(device.bin_key),
        },
    )


def _base32(key: bytes) -> str:
    return base64.b32encode(key).decode("ascii").rstrip("=")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    security.end_current_session(request)
    logout(request)
    messages.info(request, _("You have signed out."))
    return HttpResponseRedirect(reverse("web:home"))


@sensitive_post_parameters("password", "password_again", "id_number")
@require_http_methods(["GET", "POST"])
def register_citizen(request: HttpRequest) -> HttpResponse:
    form = CitizenRegistrationForm(request.POST or None)
    if request.method == "POST":
        ratelimit.hit(ratelimit.REGISTRATION_PER_ADDRESS, ratelimit.address_of(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        mobile = normalise_mobile(data["mobile"])
        ratelimit.hit(ratelimit.REGISTRATION_PER_MOBILE, "mobile:" + mobile if mobile else "")
        try:
            user = services.register_citizen(
                username=data["username"],
                password=data["password"],
                real_name=data["real_name"],
                id_number=data["id_number"],
                mobile=data["mobile"],
                division=data["division"],
                email=data["email"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            security.sign_in(request, user)
            messages.success(request, _("Your account is ready. Welcome to OneWindow."))
            return HttpResponseRedirect(reverse("identity:profile"))
    return render(request, "identity/register_citizen.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, limited per network address and per email address (each
    request sends an email; the limit keeps the form from becoming a mail cannon)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ratelimit.hit(ratelimit.PASSWORD_RESET_PER_ADDRESS, ratelimit.address_of(request))
        email = str(request.POST.get("email", "")).strip().lower()
        ratelimit.hit(ratelimit.PASSWORD_RESET_PER_EMAIL, "email:" + email if email else "")
        return super().post(request, *args, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def register_business(request: HttpRequest) -> HttpResponse:
    """A citizen registers the business they legally represent."""
    user = signed_in_user(request)
    if user.kind != UserKind.CITIZEN:
        messages.error(request, _("Only a citizen account can register a business."))
        return HttpResponseRedirect(reverse("identity:profile"))
    form = BusinessRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            business = services.register_business(
                user, credit_code=data["credit_code"], name=data["name"], division=data["division"]
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": business.name})
            return HttpResponseRedirect(reverse("identity:profile"))
    return render(request, "identity/register_business.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    initial = {
        "preferred_language": user.preferred_language or request.LANGUAGE_CODE,
        "prefers_elder_mode": user.prefers_elder_mode,
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.set_preferences(
            user,
            language=form.cleaned_data["preferred_language"],
            elder_mode=form.cleaned_data["prefers_elder_mode"],
        )
        response = HttpResponseRedirect(reverse("identity:profile"))
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.preferred_language,
            samesite="Lax",
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
        )
        response.delete_cookie("onewindow_elder")
        messages.success(request, _("Your preferences are saved."))
        return response
    return render(
        request,
        "identity/profile.html",
        {"form": form, "profile_user": user, "businesses": selectors.businesses_of(user)},
    )


@officer_required
def officer_home(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return render(
        request,
        "identity/officer_home.html",
        {
            "officer": user,
            "roles": selectors.roles_of(user),
            "department": user.department,
            "is_platform_admin": oidc.is_platform_admin(user),
        },
    )


ACTING_FOR_SESSION_KEY = selectors.ACTING_FOR_SESSION_KEY
CHALLENGE_SESSION_KEY = selectors.CHALLENGE_SESSION_KEY


def _challenge(request: HttpRequest, method: str) -> ConsentChallenge | None:
    return selectors.access_consent_challenge(
        signed_in_user(request), request.session.get(CHALLENGE_SESSION_KEY), method=method
    )


def _start_acting(request: HttpRequest, consent: AgentConsent) -> HttpResponse:
    request.session.pop(CHALLENGE_SESSION_KEY, None)
    request.session[ACTING_FOR_SESSION_KEY] = consent.pk
    messages.success(
        request,
        _("Consent recorded. You are now acting for this resident until %(until)s.")
        % {"until": timezone.localtime(consent.expires_at).strftime("%H:%M")},
    )
    return HttpResponseRedirect(reverse("catalog:search"))


@assistant_required
@require_http_methods(["GET", "POST"])
def assist_start(request: HttpRequest) -> HttpResponse:
    """A village agent or window clerk starts acting for a resident who is present: a code
    goes to the resident's phone, or a consent form is printed for them to sign."""
    form = AssistMethodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            begin_assistance(request, form.cleaned_data["id_number"], form.cleaned_data["method"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return HttpResponseRedirect(_next_consent_step(form.cleaned_data["method"]))
    return render(request, "identity/assist_start.html", {"form": form})


def _next_consent_step(method: str) -> str:
    return reverse(
        "identity:assist-form" if method == ConsentMethod.SIGNED_FORM else "identity:assist-confirm"
    )


def begin_assistance(request: HttpRequest, id_number: str, method: str) -> ConsentChallenge:
    """Send the code, or prepare the form, and remember which in the session. Shared with
    the service hall's counter page. Raises what the services raise."""
    agent = signed_in_user(request)
    if method == ConsentMethod.SIGNED_FORM:
        challenge = services.start_consent_form(agent, resident_id_number=id_number)
    else:
        challenge = services.send_consent_code(agent, resident_id_number=id_number)
    request.session[CHALLENGE_SESSION_KEY] = challenge.pk
    return challenge


@assistant_required
@require_http_methods(["GET", "POST"])
def assist_confirm(request: HttpRequest) -> HttpResponse:
    agent = signed_in_user(request)
    challenge = _challenge(request, ConsentMethod.ONE_TIME_CODE)
    if challenge is None:
        return HttpResponseRedirect(reverse("identity:assist-start"))
    form = ConsentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consent = services.confirm_consent_code(
                agent, challenge, code=form.cleaned_data["code"]
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return _start_acting(request, consent)
    return render(request, "identity/assist_confirm.html", {"form": form})


@assistant_required
@require_http_methods(["GET", "POST"])
def assist_form(request: HttpRequest) -> HttpResponse:
    """The printable consent form, and the upload of its signed scan."""
    agent = signed_in_user(request)
    challenge = _challenge(request, ConsentMethod.SIGNED_FORM)
    if challenge is None:
        return HttpResponseRedirect(reverse("identity:assist-start"))
    form = SignedFormUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            consent = services.confirm_consent_form(
                agent, challenge, scan=form.cleaned_data["scan"].read()
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return _start_acting(request, consent)
    resident = challenge.resident
    return render(
        request,
        "identity/assist_form.html",
        {
            "form": form,
            "reference": services.form_reference(challenge),
            "resident_name": mask_name(resident.real_name),
            "resident_id": resident.masked_id_number,
            "agent": agent,
            "hours": int(services.CONSENT_LIFETIME.total_seconds() // 3600),
            "now": timezone.now(),
        },
    )


@assistant_required
@require_POST
def assist_stop(request: HttpRequest) -> HttpResponse:
    consent = selectors.acting_for(request)
    if consent is not None:
        services.end_assistance(signed_in_user(request), consent)
    request.session.pop(ACTING_FOR_SESSION_KEY, None)
    messages.info(request, _("You are no longer acting for the resident."))
    return HttpResponseRedirect(reverse("identity:assist-start"))
