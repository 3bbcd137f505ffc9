"""The hotline's public pages and the reporter's own: report a case, follow it by reference and
phone, the public wall of answered cases, my cases."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onewindow.core import ratelimit
from onewindow.core.errors import DomainError, NotFound
from onewindow.core.models import Division
from onewindow.core.ratelimit import RateLimited
from onewindow.grievances import forms, intake, selectors, services, text
from onewindow.grievances.models import (
    CaseKind,
    CaseStatus,
    Channel,
)
from onewindow.grievances.views.common import rate_limited_page, saved_rating, show_refusal
from onewindow.identity import selectors as identity_selectors
from onewindow.identity.decorators import signed_in_user
from onewindow.identity.models import AccessKind, User
from onewindow.identity.selectors import acting_for, end_lapsed_assistance


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user if isinstance(request.user, User) else None
    return render(
        request,
        "grievances/home.html",
        {
            "recent": selectors.public_wall(limit=5),
            # Each officer is offered only the pages their roles open.
            "may": selectors.officer_pages(user) if user is not None and user.is_officer else {},
        },
    )


@require_http_methods(["GET", "POST"])
def _prefilled(request: HttpRequest) -> dict[str, str]:
    """What a link may fill in (the assistant hands over a question it could not answer):
    the text and the kind, shown as plain text in the form."""
    initial = {}
    if request.GET.get("kind") in CaseKind.values:
        initial["kind"] = request.GET["kind"]
    if text := request.GET.get("text", "").strip():
        initial["text"] = text[: intake.MAX_TEXT]
    return initial


def new(request: HttpRequest) -> HttpResponse:
    """Report a case on the web: signed in, anonymous, or by a village agent for a resident."""
    if end_lapsed_assistance(request):
        messages.warning(
            request,
            _(
                "The resident's consent was withdrawn or has ended: you no longer act for "
                "them. Ask for their consent again to go on."
            ),
        )
        return HttpResponseRedirect(reverse("identity:assist-start"))
    consent = acting_for(request)
    user = (
        consent.resident if consent else (request.user if isinstance(request.user, User) else None)
    )
    form = forms.CaseForm(request.POST or None, request.FILES or None, initial=_prefilled(request))
    context: dict[str, Any] = {"form": form, "reporter": user, "acting_for": consent}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        photos = [
            intake.Photo(name=f.name or "photo", content=f.read())
            for f in request.FILES.getlist("photos")[: intake.MAX_PHOTOS + 1]
        ]
        try:
            # Signed in (a resident, or a village agent acting for one): per account, so
            # neighbours at one station do not share a limit; anonymous: per address.
            ratelimit.hit_requester(
                request,
                per_address=ratelimit.HOTLINE_PER_ADDRESS,
                per_account=ratelimit.HOTLINE_PER_ACCOUNT,
            )
            case = intake.submit_case(
                kind=data["kind"],
                text_in=data["text"],
                location=intake.Location(
                    division=Division.objects.get(code=data["division"]),
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    address=data["address"],
                ),
                channel=Channel.VILLAGE_AGENT if consent else Channel.WEB,
                contact=intake.Contact(
                    user=user,
                    name=data["name"] or (user.real_name if user else ""),
                    phone=data["phone"],
                    anonymous=data["anonymous"],
                    preference=data["contact_preference"],
                ),
                urgency=data["urgency"],
                photos=photos,
                ip=str(request.META.get("REMOTE_ADDR", "")),
                recorded_by=consent.agent if consent else None,
            )
        except RateLimited as error:
            return rate_limited_page(request, error, "grievances/new.html", context)
        except DomainError as error:
            show_refusal(form, error)
        else:
            messages.success(
                request,
                _("Case %(ref)s received. We answer by %(due)s.")
                % {"ref": case.ref, "due": timezone.localtime(case.resolve_due).date()},
            )
            if user is not None and not consent:
                return HttpResponseRedirect(reverse("grievances:case", args=[case.ref]))
            return HttpResponseRedirect(reverse("grievances:home"))
    return render(request, "grievances/new.html", context)


@require_GET
def wall(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    cases = [
        (case, text.desensitise(case.text), text.desensitise(case.public_reply))
        for case in selectors.public_wall(query)
    ]
    return render(request, "grievances/wall.html", {"cases": cases, "q": query})


@require_GET
def wall_case(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        case = selectors.public_case(ref)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "grievances/wall_case.html",
        {
            "case": case,
            "question": text.desensitise(case.text),
            "answer": text.desensitise(case.public_reply),
            "category": selectors.category_label(case.category or case.proposed_category),
        },
    )


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Anyone who called follows their case by its number and their phone number (POST, so
    the phone number stays out of addresses and logs)."""
    form = forms.TrackForm(request.POST or None)
    found = None
    if request.method == "POST" and form.is_valid():
        try:
            found = selectors.track_case(form.cleaned_data["ref"], form.cleaned_data["phone"])
        except NotFound as error:
            show_refusal(form, error)
        else:
            # The page shows the case, not the phone number it was asked with.
            form = forms.TrackForm(initial={"ref": found.ref})
    return render(
        request,
        "grievances/track.html",
        {
            "form": form,
            "case": found,
            "events": (
                found.events.exclude(action__in=["rated"]).select_related("department")
                if found
                else []
            ),
            "answer": text.desensitise(found.public_reply) if found else "",
        },
    )


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return render(
        request,
        "grievances/mine.html",
        {"cases": selectors.cases_of(user), "disputes": selectors.disputes_of_party(user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        found, reporter = selectors.access_own_case(signed_in_user(request), ref)
    except NotFound:
        raise Http404 from None
    form = forms.RatingForm(request.POST or None)
    thanks = _("Thank you: your rating is recorded.")
    if saved := saved_rating(request, form, partial(services.rate_answer, reporter), thanks):
        return saved
    found.refresh_from_db()
    rated = found.ratings.filter(reporter=reporter, round=found.reopen_count).first()
    return render(
        request,
        "grievances/case.html",
        {
            "case": found,
            "reporter": reporter,
            "form": form,
            "may_rate": found.status == CaseStatus.ANSWERED and rated is None,
            "rated": rated,
            "events": found.events.exclude(action__in=["rated"]).select_related("department"),
            "contact_views": identity_selectors.accesses_about(
                signed_in_user(request), case_ref=found.ref, kinds=[AccessKind.CONTACT_READ]
            ),
        },
    )
