"""Pages: the public catalogue, a listing with its certificates' QR, a producer; a producer's
(or their village agent's) registration and listing forms; the station's sales and handovers."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.core.errors import DomainError, NotFound
from onewindow.credentials import services as credentials
from onewindow.credentials.kinds import KINDS
from onewindow.credentials.pdf import qr_code
from onewindow.identity import selectors as identity
from onewindow.identity.decorators import signed_in_user, station_agent_required
from onewindow.identity.models import UserKind
from onewindow.payments.models import yuan
from onewindow.rural import programmes, selectors, services
from onewindow.rural.forms import (
    FIELD_OF,
    HandoverForm,
    ListingForm,
    OfflineSaleForm,
    ProducerForm,
    SearchForm,
)
from onewindow.rural.models import Listing


def _qr_svg(content: str) -> str:
    return qr_code(content).svg_inline(scale=3, border=4, title=_("QR code of the certificate"))


def _error_on(form: ListingForm | ProducerForm, error: DomainError) -> None:
    name = FIELD_OF.get(error.field or "", error.field or "")
    form.add_error(name if name in form.fields else None, str(error))


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    found = selectors.catalogue()
    if form.is_valid():
        found = selectors.catalogue(
            query=form.cleaned_data["q"],
            village=form.cleaned_data["village"],
            season=form.cleaned_data["season"],
            category=form.cleaned_data["category"],
        )
    page = Paginator(found, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "rural/catalogue.html",
        {"form": form, "page": page},
    )


def _listing(ref: str) -> Listing:
    try:
        return selectors.listing(ref)
    except NotFound:
        raise Http404 from None


@require_GET
def listing(request: HttpRequest, ref: str) -> HttpResponse:
    found = _listing(ref)
    certificates = [
        {
            "credential": credential,
            "label": KINDS[credential.kind].label,
            "qr_url": credentials.qr_url(credential),
            "qr_svg": mark_safe(_qr_svg(credentials.qr_url(credential))),  # noqa: S308  # segno's SVG
            "is_valid": services.certificate_is_valid(credential),
        }
        for credential in found.certificates.all()
    ]
    return render(
        request,
        "rural/listing.html",
        {"listing": found, "certificates": certificates},
    )


@require_GET
def producer(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        found = selectors.producer(ref)
    except NotFound:
        raise Http404 from None
    user = request.user
    may_act = user.is_authenticated and services.may_act_for(user, found)
    # The support programmes, each rule checked against the producer's records: shown only
    # to the producer and their agent (sales figures are theirs).
    support = [
        {
            "programme": programme,
            "rules": rules,
            "is_eligible": all(rule.is_met for rule in rules),
            "apply_url": reverse("applications:new", args=[programme.code]),
            "guide_url": reverse("catalog:guide", args=[programme.code]),
        }
        for programme in programmes.PROGRAMMES
        if may_act and programmes.is_published(programme.code)
        for rules in [programmes.eligibility(found, programme.code)]
    ]
    return render(
        request,
        "rural/producer.html",
        {
            "producer": found,
            "listings": selectors.listings_of(found),
            "may_act": may_act,
            "support": support,
        },
    )


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return render(
        request,
        "rural/mine.html",
        {
            "producers": selectors.producers_for(user),
            "is_agent": user.kind == UserKind.STATION_AGENT,
            "acting_for": identity.acting_for(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """A resident registers themself; a village agent registers the resident they act for
    (identity's assisted session, with the resident's recorded consent)."""
    user = signed_in_user(request)
    consent = identity.acting_for(request) if user.kind == UserKind.STATION_AGENT else None
    if user.kind == UserKind.STATION_AGENT and consent is None:
        messages.info(request, _("First record the producer's consent to act for them."))
        return HttpResponseRedirect(f"{reverse('identity:assist-start')}")
    form = ProducerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            producer = services.register_producer(
                user,
                services.ProducerDeclaration(
                    kind=data["kind"],
                    name=data["name"],
                    village=data["village"],
                    land_mu=data["land_mu"],
                    main_products=data["main_products"],
                    workers=data["workers"],
                    credit_code=data["credit_code"],
                ),
                resident=consent.resident if consent else None,
            )
        except DomainError as error:
            _error_on(form, error)
        else:
            messages.success(request, _("The producer is registered."))
            return HttpResponseRedirect(reverse("rural:producer", args=[producer.ref]))
    return render(request, "rural/register.html", {"form": form, "acting_for": consent})


@login_required
@require_http_methods(["GET", "POST"])
def new_listing(request: HttpRequest, ref: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        found = selectors.access_producer(user, ref)
    except NotFound:
        raise Http404 from None
    form = ListingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.list_product(
                user,
                found,
                services.ListingDraft(
                    product=data["product"],
                    category=data["category"],
                    quantity=data["quantity"],
                    unit=data["unit"],
                    price_fen=form.price_fen(),
                    harvest_date=data["harvest_date"],
                    certificates=tuple(data["certificates"]),
                ),
            )
        except DomainError as error:
            _error_on(form, error)
        else:
            messages.success(request, _("The product is listed with its certificates."))
            return HttpResponseRedirect(reverse("rural:listing", args=[created.ref]))
    return render(request, "rural/new_listing.html", {"form": form, "producer": found})


@station_agent_required
@require_http_methods(["GET", "POST"])
def station(request: HttpRequest) -> HttpResponse:
    """The village agent's station: the sales of producers they registered, an offline sale
    to record, parcels to hand over."""
    agent = signed_in_user(request)
    form = OfflineSaleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            found = selectors.access_listing(agent, form.cleaned_data["listing"].strip())
            sale = services.record_offline_sale(
                agent, found, quantity=form.cleaned_data["quantity"]
            )
        except DomainError as error:
            form.add_error("quantity" if error.field == "quantity" else "listing", str(error))
        else:
            messages.success(
                request,
                format_html(
                    _("Sale {ref} recorded: {amount} yuan."),
                    ref=sale.ref,
                    amount=yuan(sale.amount_fen),
                ),
            )
            return HttpResponseRedirect(reverse("rural:station"))
    sales = selectors.sales_recorded_by(agent).order_by("-sold_at")[:50]
    return render(
        request,
        "rural/station.html",
        {
            "form": form,
            "sales": sales,
            "handover_form": HandoverForm(),
            "request_key": secrets.token_urlsafe(8),
        },
    )


@station_agent_required
@require_POST
def handover(request: HttpRequest, ref: str) -> HttpResponse:
    agent = signed_in_user(request)
    try:
        sale = selectors.access_station_sale(agent, ref)
    except NotFound:
        raise Http404 from None
    form = HandoverForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Name the carrier that took the parcel."))
        return HttpResponseRedirect(reverse("rural:station"))
    try:
        services.record_handover(
            agent,
            sale,
            carrier=form.cleaned_data["carrier"],
            tracking_number=form.cleaned_data["tracking_number"],
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Handover recorded."))
    return HttpResponseRedirect(reverse("rural:station"))
