"""Pages: my payments, one payment (and the return from the provider, which asks the provider
how it stands: the return alone confirms nothing), the demo provider's hosted pay page, and
the providers' webhook endpoint (authenticated by its signature, not a session)."""

from __future__ import annotations

import contextlib
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.core import personal_data
from onewindow.core.errors import DomainError, NotFound
from onewindow.identity.decorators import officer_required, signed_in_user
from onewindow.payments import selectors, services
from onewindow.payments.forms import RefundForm
from onewindow.payments.models import DemoProviderPayment, Payment, yuan
from onewindow.payments.provider import PROVIDERS, SIGNATURE_HEADER, DemoProvider, WebhookRefused


def _own(request: HttpRequest, ref: str) -> Payment:
    try:
        return selectors.access_payment(signed_in_user(request), ref)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    payments = list(selectors.payments_of(signed_in_user(request))[:100])
    return render(request, "payments/mine.html", {"payments": payments})


@login_required
@require_GET
def detail(request: HttpRequest, ref: str) -> HttpResponse:
    payment = _own(request, ref)
    return render(request, "payments/detail.html", {"payment": payment})


@login_required
@require_GET
def returned(request: HttpRequest, ref: str) -> HttpResponse:
    payment = services.refresh_payment(_own(request, ref))
    if payment.status == "confirmed":
        messages.success(request, _("Your payment is confirmed. The receipt is in your wallet."))
    elif payment.status == "failed":
        messages.error(request, _("The payment did not go through. You can try again."))
    else:
        messages.info(request, _("The provider has not confirmed the payment yet."))
    return HttpResponseRedirect(reverse("payments:detail", args=[payment.ref]))


@officer_required
@require_http_methods(["GET", "POST"])
def refund(request: HttpRequest, ref: str) -> HttpResponse:
    """An approver of the payee department refunds all or part of a payment. The form carries
    its own idempotency key, so a double submission refunds once."""
    officer = signed_in_user(request)
    try:
        payment = selectors.payment_to_refund(officer, ref)
    except NotFound:
        raise Http404 from None
    form = RefundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.refund_by_officer(
                officer,
                payment,
                amount_fen=form.cleaned_data["amount_fen"],
                reason=form.cleaned_data["reason"],
                idempotency_key=request.POST.get("key", "")[:64] or secrets.token_hex(16),
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            if made.status == "confirmed":
                messages.success(
                    request,
                    _("%(amount)s fen refunded (%(ref)s). The payer is told.")
                    % {"amount": made.amount_fen, "ref": made.ref},
                )
            else:
                messages.error(request, _("The provider refused the refund."))
            return HttpResponseRedirect(reverse("payments:refund", args=[payment.ref]))
    return render(
        request,
        "payments/refund.html",
        {
            "payment": payment,
            "payer": personal_data.mask_name(payment.payer.real_name or payment.payer.username),
            "refunds": payment.refunds.order_by("created_at"),
            "may_refund": services.may_refund(officer, payment),
            "form": form,
            "key": secrets.token_hex(16),
        },
    )


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    if provider not in PROVIDERS:
        raise Http404
    try:
        log = services.receive_webhook(
            provider, request.body, request.headers.get(SIGNATURE_HEADER, "")
        )
    except WebhookRefused as refused:
        return JsonResponse({"received": False, "reason": refused.reason}, status=400)
    return JsonResponse({"received": True, "outcome": log.outcome})


@require_http_methods(["GET", "POST"])
def demo_pay(request: HttpRequest, payment_id: str) -> HttpResponse:
    """The demo provider's hosted page: pay by card or by scanning its QR (here, a button
    standing for the payer's phone). Its webhooks go to our endpoint's handler directly:
    the provider runs inside the platform."""
    row = DemoProviderPayment.objects.filter(pk=payment_id).first()
    if row is None:
        raise Http404
    if request.method == "POST" and row.status == "requires_payment":
        method = "qr" if request.POST.get("method") == "qr" else "card"
        provider = PROVIDERS["demo"]
        assert isinstance(provider, DemoProvider)
        for body, signature in provider.pay(row.id, method=method):
            # A refusal is logged by the receiver; the provider does not care.
            with contextlib.suppress(WebhookRefused):
                services.receive_webhook("demo", body, signature)
        row.refresh_from_db()
    if row.status != "requires_payment":
        target = row.return_url
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = "/"
        return HttpResponseRedirect(target)
    return render(
        request,
        "payments/demo_pay.html",
        {"row": row, "amount": yuan(row.amount_fen), "qr_text": f"demo-pay:{row.id}"},
    )
