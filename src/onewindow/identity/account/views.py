"""The person's account security page (sessions, authorised sites and apps, consents given
to agents) and the legal representative's page of agent authorisations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.core.errors import DomainError, NotFound
from onewindow.identity import selectors, services
from onewindow.identity.account import security
from onewindow.identity.decorators import signed_in_user
from onewindow.identity.forms import AgentAuthorisationForm
from onewindow.identity.models import Business, User
from onewindow.identity.oidc import provider as oidc


@login_required
@require_GET
def account_security(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return render(
        request,
        "identity/security.html",
        {
            "sessions": security.active_sessions(user),
            "current_key": request.session.session_key,
            "clients": [
                (client, oidc.active_consent(user, client))
                for client in oidc.authorised_clients(user)
            ],
            "consents": list(security.consents_given(user)[:50]),
        },
    )


@login_required
@require_POST
def end_session(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        ended = security.end_session(signed_in_user(request), pk)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("That session is signed out."))
    if ended.session_key == request.session.session_key:
        return HttpResponseRedirect(reverse("identity:sign-in"))
    return HttpResponseRedirect(reverse("identity:security"))


@login_required
@require_POST
def revoke_client(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        client = oidc.access_authorised_client(user, pk)
        oidc.withdraw_consent(user, client)
    except NotFound:
        raise Http404 from None
    messages.success(
        request,
        _("%(name)s can no longer act for you. It must ask again.") % {"name": client.name},
    )
    return HttpResponseRedirect(reverse("identity:security"))


@login_required
@require_POST
def withdraw_agent_consent(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        security.withdraw_agent_consent(signed_in_user(request), pk)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The consent is withdrawn: nobody acts for you under it now."))
    return HttpResponseRedirect(reverse("identity:security"))


def _represented(user: User, credit_code: str) -> Business:
    try:
        return selectors.access_represented_business(user, credit_code)
    except NotFound:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def business_agents(request: HttpRequest, credit_code: str) -> HttpResponse:
    """The legal representative authorises agents per kind of service, and withdraws them."""
    user = signed_in_user(request)
    business = _represented(user, credit_code)
    kinds = services.service_types()
    form = AgentAuthorisationForm(request.POST or None, service_types=kinds)
    if request.method == "POST" and form.is_valid():
        agent = services.find_user_by_identifier(form.cleaned_data["agent"])
        try:
            if agent is None:
                raise DomainError(
                    _("No account has this name, mobile or ID number."), field="agent"
                )
            services.authorise_agent(
                business, by=user, agent=agent, service_types=form.cleaned_data["service_types"]
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The agent is authorised."))
            return HttpResponseRedirect(request.path)
    labels = dict(kinds)
    return render(
        request,
        "identity/business_agents.html",
        {
            "business": business,
            "form": form,
            "authorisations": [
                (item, [labels.get(kind, kind) for kind in item.service_types])
                for item in selectors.authorisations_of(business)
            ],
        },
    )


@login_required
@require_POST
def withdraw_business_agent(request: HttpRequest, credit_code: str, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    business = _represented(user, credit_code)
    try:
        authorisation = selectors.access_agent_authorisation(business, pk)
    except NotFound:
        raise Http404 from None
    services.withdraw_agent(authorisation, by=user)
    messages.success(request, _("The authorisation is withdrawn."))
    return HttpResponseRedirect(reverse("identity:business-agents", args=[credit_code]))
