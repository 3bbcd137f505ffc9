"""Partner keys for Open311 clients (platform admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.grievances import forms, services
from onewindow.grievances.models import (
    ApiClient,
)
from onewindow.grievances.views.common import show_refusal
from onewindow.identity.decorators import officer_required, signed_in_user
from onewindow.identity.models import Role


@officer_required
@require_http_methods(["GET", "POST"])
def partners(request: HttpRequest) -> HttpResponse:
    admin = signed_in_user(request)
    if not (admin.is_superuser or services.has_role(admin, Role.PLATFORM_ADMIN)):
        raise HttpForbidden
    form = forms.ApiKeyForm(request.POST if request.POST.get("action") == "issue" else None)
    issued_key = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            client = ApiClient.objects.filter(pk=request.POST.get("client", "0")).first()
            if client is None:
                raise Http404
            services.revoke_api_key(admin, client)
            messages.success(request, _("Key revoked."))
            return HttpResponseRedirect(request.path)
        if form.is_valid():
            try:
                _client, issued_key = services.issue_api_key(
                    admin,
                    name=form.cleaned_data["name"],
                    division=Division.objects.get(code=form.cleaned_data["division"]),
                )
            except DomainError as error:
                show_refusal(form, error)
    return render(
        request,
        "grievances/partners.html",
        {
            "clients": ApiClient.objects.select_related("division"),
            "form": form,
            "issued_key": issued_key,
        },
    )
