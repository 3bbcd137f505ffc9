"""Pages: my returns, filing the annual reconciliation, one return (and paying what is due)."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.core.calendar import SHANGHAI
from onewindow.core.errors import DomainError, NotFound
from onewindow.core.text_input import ascii_int
from onewindow.etax import selectors, services
from onewindow.etax.computation import published_years, rules_for
from onewindow.etax.forms import FIELD_OF, ReturnForm
from onewindow.etax.models import TaxReturn
from onewindow.identity.decorators import signed_in_user
from onewindow.payments.models import yuan


def _years() -> list[int]:
    this_year = timezone.now().astimezone(SHANGHAI).year
    return [year for year in reversed(published_years()) if year < this_year]


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    returns = list(selectors.returns_of(signed_in_user(request)))
    return render(request, "etax/mine.html", {"returns": returns})


@login_required
@require_http_methods(["GET", "POST"])
def file(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = ReturnForm(request.POST or None, years=_years())
    if request.method == "POST" and form.is_valid():
        try:
            tax_return = services.file_return(
                user,
                tax_year=form.cleaned_data["tax_year"],
                income=form.income(),
                deductions=form.deductions(),
                bank_account=form.cleaned_data["bank_account"],
                idempotency_key=request.POST.get("request_key", "")[:64] or secrets.token_hex(8),
            )
        except DomainError as error:
            name = FIELD_OF.get(error.field or "", error.field or "")
            form.add_error(name if name in form.fields else None, str(error))
        else:
            messages.success(request, _("Your reconciliation is filed."))
            return HttpResponseRedirect(reverse("etax:detail", args=[tax_return.ref]))
    return render(
        request,
        "etax/file.html",
        {"form": form, "request_key": secrets.token_urlsafe(16), "rules": rules_for(_years()[0])},
    )


def _own(request: HttpRequest, ref: str) -> TaxReturn:
    try:
        return selectors.access_return(signed_in_user(request), ref)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def detail(request: HttpRequest, ref: str) -> HttpResponse:
    tax_return = _own(request, ref)
    return render(
        request,
        "etax/detail.html",
        {
            "tax_return": tax_return,
            "payment": selectors.payment_of(tax_return),
            "figures": [
                (_("Comprehensive income"), yuan(tax_return.income_fen)),
                (_("Deductions, the standard one included"), yuan(tax_return.deductions_fen)),
                (_("Taxable income"), yuan(tax_return.taxable_fen)),
                (
                    _("Rate and quick deduction"),
                    f"{tax_return.rate_percent}% − {yuan(tax_return.quick_deduction_fen)}",
                ),
                (_("Tax for the year"), yuan(tax_return.tax_fen)),
                (_("Tax withheld"), yuan(tax_return.withheld_fen)),
            ],
            "balance": yuan(abs(tax_return.balance_fen)),
            "request_key": secrets.token_urlsafe(16),
        },
    )


@login_required
@require_POST
def pay(request: HttpRequest, ref: str) -> HttpResponse:
    tax_return = _own(request, ref)
    try:
        payment = services.pay_tax(
            tax_return,
            idempotency_key=request.POST.get("request_key", "")[:64] or secrets.token_hex(8),
            expected_amount_fen=ascii_int(request.POST.get("amount_fen", "")),
        )
    except DomainError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(reverse("etax:detail", args=[tax_return.ref]))
    return HttpResponseRedirect(payment.next_url)
