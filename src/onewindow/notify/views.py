"""The inbox page: the signed-in person's messages, unread first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from onewindow.core.errors import NotFound
from onewindow.identity.models import User
from onewindow.notify import selectors, services


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    messages = selectors.inbox_for(_user(request))[:200]
    return render(request, "notify/inbox.html", {"inbox_messages": messages})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        message = selectors.access_message(_user(request), pk)
    except NotFound as error:
        raise Http404(str(error)) from None
    services.mark_read(_user(request), message)
    return HttpResponseRedirect(reverse("notify:inbox"))
