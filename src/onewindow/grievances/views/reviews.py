"""Reviews of completed applications (the citizen's invitations) and the rectification tasks
they open for departments."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onewindow.core.errors import DomainError, NotFound
from onewindow.grievances import forms, reviews, selectors
from onewindow.grievances.models import (
    RectificationTask,
)
from onewindow.grievances.views.common import saved_rating
from onewindow.identity.decorators import officer_required, signed_in_user


@login_required
@require_GET
def my_reviews(request: HttpRequest) -> HttpResponse:
    invitations = signed_in_user(request).review_invitations.select_related("department")
    return render(request, "grievances/reviews.html", {"invitations": invitations})


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        invitation = selectors.access_invitation(user, pk)
    except NotFound:
        raise Http404 from None
    form = forms.ReviewForm(request.POST or None)
    thanks = _("Thank you for your review.")
    if saved := saved_rating(
        request, form, partial(reviews.submit_review, user, invitation), thanks
    ):
        return saved
    done = getattr(invitation, "review", None) if hasattr(invitation, "review") else None
    return render(
        request, "grievances/review.html", {"invitation": invitation, "form": form, "done": done}
    )


@officer_required
@require_http_methods(["GET", "POST"])
def rectifications(request: HttpRequest) -> HttpResponse:
    officer = signed_in_user(request)
    form = forms.ResponseForm(request.POST or None)
    if request.method == "POST":
        task = (
            selectors.rectifications_for(officer).filter(pk=request.POST.get("task", "0")).first()
        )
        if task is None:
            raise Http404
        if form.is_valid():
            try:
                reviews.complete_rectification(
                    officer, task, response=form.cleaned_data["response"]
                )
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Recorded; the reviewer has been told."))
                return HttpResponseRedirect(request.path)
    tasks: list[RectificationTask] = list(selectors.rectifications_for(officer))
    return render(request, "grievances/rectifications.html", {"tasks": tasks, "form": form})
