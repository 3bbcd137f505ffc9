"""Pages: the halls and their free slots, booking (signed in), my appointments and one of
them (cancel, reschedule, check in, pay the fee), the hall display, and the window clerks'
work (check a resident in by reference, call the next number).

Forms carry a hidden request key, used as the idempotency key: a form sent twice (a double
click, a reload after a lost answer) books once."""

from __future__ import annotations

import secrets
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.appointments import selectors, services
from onewindow.appointments.models import HOLDING, Booking, BookingStatus
from onewindow.core.errors import DomainError, NotFound
from onewindow.core.text_input import ascii_int
from onewindow.identity.decorators import officer_required, signed_in_user
from onewindow.payments import services as payments
from onewindow.payments.fees import rule_for
from onewindow.payments.models import yuan


def _key(request: HttpRequest) -> str:
    key = request.POST.get("request_key", "")
    return key[:64] if key else secrets.token_urlsafe(16)


@require_GET
def halls(request: HttpRequest) -> HttpResponse:
    return render(request, "appointments/halls.html", {"halls": list(selectors.halls())})


@require_http_methods(["GET", "POST"])
def hall(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found = selectors.hall_named(code)
    except NotFound:
        raise Http404 from None
    service_code = request.GET.get("service", "")[:64]
    if request.method == "POST":
        if not request.user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('identity:sign-in')}?next={request.path}")
        user = signed_in_user(request)
        try:
            slot = selectors.slot_numbered(ascii_int(request.POST.get("slot", "")) or 0)
            booking = services.book(
                user,
                slot,
                service_code=request.POST.get("service_code", "")[:64],
                purpose=request.POST.get("purpose", "application"),
                idempotency_key=_key(request),
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Booked. Your reference is %(ref)s.") % {"ref": booking.ref}
            )
            return HttpResponseRedirect(reverse("appointments:detail", args=[booking.ref]))
    windows = list(found.windows.all())
    served = sorted({code for window in windows for code in window.services})
    slots = selectors.slots_of(found, service_code=service_code, limit=60)
    return render(
        request,
        "appointments/hall.html",
        {
            "hall": found,
            "slots": slots,
            "served": served,
            "service_code": service_code,
            "request_key": secrets.token_urlsafe(16),
        },
    )


@require_GET
def display(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found = selectors.hall_named(code)
    except NotFound:
        raise Http404 from None
    return render(
        request, "appointments/display.html", {"hall": found, "rows": selectors.display(found)}
    )


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    bookings = list(selectors.bookings_of(signed_in_user(request))[:100])
    return render(request, "appointments/mine.html", {"bookings": bookings})


def _own(request: HttpRequest, ref: str) -> Booking:
    try:
        return selectors.access_booking(signed_in_user(request), ref)
    except NotFound:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, ref: str) -> HttpResponse:
    booking = _own(request, ref)
    user = signed_in_user(request)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "cancel":
                services.cancel(booking, by=user)
                messages.success(request, _("Your appointment is cancelled."))
            elif action == "check_in":
                booking = services.check_in(booking)
                messages.success(
                    request,
                    _("Checked in. Your queue number is %(number)s.")
                    % {"number": booking.queue_number},
                )
            elif action == "reschedule":
                slot = selectors.slot_numbered(ascii_int(request.POST.get("slot", "")) or 0)
                booking = services.reschedule(booking, slot, by=user, idempotency_key=_key(request))
                messages.success(
                    request, _("Moved. Your new reference is %(ref)s.") % {"ref": booking.ref}
                )
        except DomainError as error:
            messages.error(request, str(error))
        return HttpResponseRedirect(reverse("appointments:detail", args=[booking.ref]))
    rule = rule_for(booking.service_code)
    quote = None
    if rule is not None:
        quote = payments.quote_fee(booking.service_code, payer=user)
    other_slots = []
    if booking.status == BookingStatus.BOOKED:
        other_slots = [
            slot
            for slot in selectors.slots_of(
                booking.slot.window.hall, service_code=booking.service_code, limit=20
            )
            if slot.pk != booking.slot_id
        ]
    payment = services.fee_payment(booking)
    can_pay = (
        quote is not None
        and quote.amount_fen > 0
        and booking.status in HOLDING
        and (payment is None or payment.status in ("created", "pending"))
    )
    return render(
        request,
        "appointments/detail.html",
        {
            "booking": booking,
            "rule": rule,
            "quote": quote,
            "can_pay": can_pay,
            "amount": yuan(quote.amount_fen) if quote else "",
            "payment": payment,
            "other_slots": other_slots,
            "request_key": secrets.token_urlsafe(16),
        },
    )


@login_required
@require_POST
def pay(request: HttpRequest, ref: str) -> HttpResponse:
    booking = _own(request, ref)
    try:
        payment = services.pay_fee(
            booking,
            idempotency_key=_key(request),
            expected_amount_fen=ascii_int(request.POST.get("amount_fen", "")),
        )
    except DomainError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(reverse("appointments:detail", args=[booking.ref]))
    return HttpResponseRedirect(payment.next_url)


@officer_required
@require_http_methods(["GET", "POST"])
def work(request: HttpRequest) -> HttpResponse:
    clerk = signed_in_user(request)
    windows = list(selectors.clerk_windows(clerk))
    called = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "check_in":
                booking = selectors.access_hall_booking(clerk, request.POST.get("ref", "").strip())
                booking = services.check_in(booking)
                messages.success(
                    request,
                    _("Checked in: queue number %(number)s.") % {"number": booking.queue_number},
                )
            else:
                pk = ascii_int(request.POST.get("window", ""))
                window = next((w for w in windows if w.pk == pk), None)
                if window is None:
                    raise NotFound(_("You do not work this window."))
                called = services.call_next(clerk, window)
                if called is None:
                    messages.info(request, _("Nobody is waiting for this window."))
                else:
                    messages.success(
                        request,
                        _("Number %(number)s, please come to window %(window)s.")
                        % {"number": called.queue_number, "window": window.number},
                    )
        except DomainError as error:
            messages.error(request, str(error))
        return HttpResponseRedirect(reverse("appointments:work"))
    return render(request, "appointments/work.html", {"windows": windows, "today": date.today()})
