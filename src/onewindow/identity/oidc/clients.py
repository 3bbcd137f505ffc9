"""The sign-on client registry, for platform administrators: register, change scopes,
suspend at once, and see each client's use."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.core.errors import DomainError, NotFound
from onewindow.identity.decorators import platform_admin_required, signed_in_user
from onewindow.identity.forms import ClientForm, ClientScopesForm, SuspendForm
from onewindow.identity.models import Client
from onewindow.identity.oidc import provider as oidc
from onewindow.identity.oidc.scopes import SCOPES


def _client(request: HttpRequest, pk: int) -> Client:
    try:
        return oidc.access_client(signed_in_user(request), pk)
    except NotFound:
        raise Http404 from None


@platform_admin_required
@require_GET
def clients(request: HttpRequest) -> HttpResponse:
    """Every client with its use: tokens issued (all time, last 30 days), refreshes, people."""
    return render(request, "identity/clients.html", {"rows": oidc.usage(signed_in_user(request))})


@platform_admin_required
@require_http_methods(["GET", "POST"])
def register_client(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client, secret = oidc.register_client(
                signed_in_user(request),
                name=data["name"],
                kind=data["kind"],
                contact_department=data["contact_department"],
                redirect_uris=data["redirect_uris"],
                post_logout_redirect_uris=data["post_logout_redirect_uris"],
                allowed_scopes=data["allowed_scopes"],
                is_confidential=data["is_confidential"],
                lawful_basis=data["lawful_basis"],
                subject_type=data["subject_type"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            # The secret is shown on this one answer and never again (only its hash is kept).
            return render(
                request,
                "identity/client_registered.html",
                {"client": client, "secret": secret},
            )
    return render(request, "identity/client_form.html", {"form": form})


@platform_admin_required
@require_GET
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    return render(
        request,
        "identity/client_detail.html",
        {
            "client": client,
            "scopes": [(name, SCOPES[name].description) for name in client.allowed_scopes],
            "scopes_form": ClientScopesForm(
                initial={
                    "allowed_scopes": client.allowed_scopes,
                    "lawful_basis": client.lawful_basis,
                }
            ),
            "suspend_form": SuspendForm(),
            "usage": client.usage.all()[:30],
        },
    )


@platform_admin_required
@require_POST
def change_client(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    admin = signed_in_user(request)
    action = request.POST.get("action", "")
    try:
        if action == "suspend":
            suspend = SuspendForm(request.POST)
            if not suspend.is_valid():
                raise DomainError(_("Say why the client is suspended."), field="reason")
            oidc.suspend_client(admin, client, reason=suspend.cleaned_data["reason"])
            messages.success(request, _("Suspended: its tokens stop working now."))
        elif action == "reinstate":
            oidc.reinstate_client(admin, client)
            messages.success(request, _("Reinstated."))
        elif action == "scopes":
            scopes = ClientScopesForm(request.POST)
            if not scopes.is_valid():
                raise DomainError(_("Choose the scopes again."), field="allowed_scopes")
            oidc.set_client_scopes(
                admin,
                client,
                allowed_scopes=scopes.cleaned_data["allowed_scopes"],
                lawful_basis=scopes.cleaned_data["lawful_basis"],
            )
            messages.success(request, _("Scopes saved."))
        else:
            raise DomainError(_("Unknown action."), field="action")
    except DomainError as error:
        messages.error(request, str(error))
    return HttpResponseRedirect(reverse("identity:client", args=[client.pk]))
