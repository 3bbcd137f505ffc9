"""Credit profile pages: search, the public page of a business, and the business's own view."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onewindow.core.errors import DomainError, NotFound
from onewindow.exchange.credit import selectors, services
from onewindow.exchange.models import CreditEntry, CreditEntryKind


def _sections(
    view: selectors.ProfileView,
) -> list[tuple[str, str | Promise, list[CreditEntry]]]:
    labels = dict(CreditEntryKind.choices)
    return [(kind, labels[kind], view.of_kind(kind)) for kind in CreditEntryKind.values]


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    own = list(selectors.own_profiles(request.user)) if request.user.is_authenticated else []
    return render(
        request,
        "exchange/credit_search.html",
        {"query": query, "results": selectors.search_profiles(query), "own": own},
    )


@require_GET
def profile(request: HttpRequest, credit_code: str) -> HttpResponse:
    try:
        view = selectors.public_profile(credit_code)
    except NotFound:
        raise Http404 from None
    is_owner = selectors.may_see_full_profile(request.user, view.profile)  # type: ignore[arg-type]
    return render(
        request,
        "exchange/credit_profile.html",
        {
            "view": view,
            "sections": _sections(view),
            "is_owner": is_owner,
            "public_sections": selectors.public_sections(view.profile.credit_code),
        },
    )


@login_required
@require_GET
def own_profile(request: HttpRequest, credit_code: str) -> HttpResponse:
    try:
        view = selectors.access_own_profile(request.user, credit_code)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "exchange/credit_profile.html",
        {
            "view": view,
            "sections": _sections(view),
            "is_owner": True,
            "today": timezone.localdate(),
            "repair_item": services.REPAIR_SERVICE_ITEM,
        },
    )


@login_required
@require_POST
def refresh(request: HttpRequest, credit_code: str) -> HttpResponse:
    try:
        profile = services.request_refresh(request.user, credit_code)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("credit:profile", credit_code=credit_code)
    messages.success(request, _("The profile was refreshed from the departments' records."))
    if selectors.may_see_full_profile(request.user, profile):  # type: ignore[arg-type]
        return redirect("credit:own", credit_code=profile.credit_code)
    return redirect("credit:profile", credit_code=profile.credit_code)
