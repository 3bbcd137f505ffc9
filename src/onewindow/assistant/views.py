"""The assistant's page: a plain form (no JavaScript needed), the answer with its sources,
a follow-up form that keeps the service, and the next step."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onewindow.assistant import presenting, services
from onewindow.assistant.forms import QuestionForm
from onewindow.core import ratelimit
from onewindow.core.errors import DomainError, NotFound
from onewindow.core.ratelimit import RateLimited
from onewindow.identity.models import User


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def hotline_url(question: str) -> str:
    """The hotline's form with the question filled in, as a consultation."""
    return f"{reverse('grievances:new')}?{urlencode({'kind': 'consultation', 'text': question})}"


def ask(request: HttpRequest) -> HttpResponse:
    """Ask a question; the answer comes from the catalogue, with its source, or the hotline."""
    user = _user(request)
    elder_mode = bool(getattr(request, "elder_mode", False))
    form = QuestionForm(request.POST or None, ask_where=user is None or not user.division_id)
    context: dict[str, Any] = {"form": form, "elder_mode": elder_mode}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ratelimit.hit_requester(
                request,
                per_address=ratelimit.ASSISTANT_PER_ADDRESS,
                per_account=ratelimit.ASSISTANT_PER_ACCOUNT,
            )
            asked = services.ask(
                data["question"],
                user=user,
                division_code=data.get("division") or "",
                context_code=data["context"],
                brief=elder_mode,
            )
        except RateLimited:
            raise  # the 429 page, from web.middleware.RateLimitedMiddleware
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            shown = presenting.present(asked, page_language=get_language() or "en")
            context.update(
                asked=asked,
                shown=shown,
                hotline_url=hotline_url(asked.answer.question),
                follow_up=QuestionForm(
                    initial={"context": shown.code} if shown.code else None, ask_where=False
                ),
            )
    return render(request, "assistant/ask.html", context, status=200)


@require_POST
def rate(request: HttpRequest, token: str) -> HttpResponseRedirect:
    """ "Was this answer useful?" from the answer's two buttons."""
    try:
        services.rate(token, is_useful=request.POST.get("useful") == "yes")
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Thank you: your rating helps us improve the guides."))
    return HttpResponseRedirect(reverse("assistant:ask"))


def go(request: HttpRequest, token: str, step: str) -> HttpResponseRedirect:
    """The answer's links: note that the resident followed it, then go there."""
    try:
        asked = services.follow(token, step)
    except NotFound:
        raise Http404 from None
    if not asked.service_code:
        raise Http404
    if step == "apply":
        return HttpResponseRedirect(reverse("applications:new", args=[asked.service_code]))
    return HttpResponseRedirect(reverse("catalog:guide", args=[asked.service_code]))
