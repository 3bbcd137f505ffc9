"""The inbox page: the signed-in person's messages, unread first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from onewindow.core.errors import NotFound
from onewindow.identity.decorators import signed_in_user
from onewindow.notify import selectors, services

INBOX_PAGE = 20


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    page = Paginator(selectors.inbox_for(user), INBOX_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/inbox.html",
        {"inbox_messages": page, "page": page, "unread": selectors.unread_count(user)},
    )


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(signed_in_user(request))
    return HttpResponseRedirect(reverse("notify:inbox"))


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        message = selectors.access_message(signed_in_user(request), pk)
    except NotFound as error:
        raise Http404(str(error)) from None
    services.mark_read(signed_in_user(request), message)
    return HttpResponseRedirect(reverse("notify:inbox"))
