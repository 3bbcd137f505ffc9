"""The annual income tax reconciliation over JSON: the published rules of a year (public),
filing a return (Idempotency-Key), my returns, paying the tax due through payments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.security import django_auth

from onewindow.core import idempotency
from onewindow.core.errors import NotFound
from onewindow.etax import selectors, services
from onewindow.etax.computation import Deductions, Income, YearWithoutRules, rules_for
from onewindow.etax.models import TaxReturn
from onewindow.identity.decorators import signed_in_user
from onewindow.payments.api import PaymentOut

router = Router(tags=["tax"], auth=django_auth)


class TaxBracketOut(Schema):
    up_to_fen: int | None
    rate_percent: int
    quick_deduction_fen: int


class TaxRulesOut(Schema):
    tax_year: int
    source: str
    brackets: list[TaxBracketOut]
    standard_deduction_fen: int
    limits: dict[str, Any]


class TaxIncomeIn(Schema):
    wages_fen: int = 0
    services_fen: int = 0
    author_fen: int = 0
    royalty_fen: int = 0
    withheld_fen: int = 0


class TaxDeductionsIn(Schema):
    social_insurance_fen: int = 0
    children: int = 0
    infants: int = 0
    academic_education: bool = False
    vocational_certificate: bool = False
    serious_illness_fen: int = 0
    housing: str = "none"
    elderly_support_fen: int = 0
    only_child: bool = True
    other_fen: int = 0


class TaxReturnIn(Schema):
    tax_year: int
    income: TaxIncomeIn
    deductions: TaxDeductionsIn = TaxDeductionsIn()
    bank_account: str = ""


class TaxReturnOut(Schema):
    ref: str
    tax_year: int
    income_fen: int
    deductions_fen: int
    taxable_fen: int
    rate_percent: int
    quick_deduction_fen: int
    tax_fen: int
    withheld_fen: int
    balance_fen: int
    outcome: str
    status: str
    bank_account_masked: str
    filed_at: datetime


class TaxPaymentIn(Schema):
    amount_fen: int


@router.get(
    "/tax-rules/{year}",
    response=TaxRulesOut,
    auth=None,
    summary="The published rates, deductions and limits of a tax year",
)
def tax_rules(request: HttpRequest, year: int) -> dict[str, Any]:
    try:
        rules = rules_for(year)
    except YearWithoutRules as missing:
        raise NotFound(
            missing.message, code=missing.code, field="year", params=missing.params
        ) from None
    return {
        "tax_year": rules.tax_year,
        "source": rules.source,
        "brackets": [bracket.__dict__ for bracket in rules.brackets],
        "standard_deduction_fen": rules.standard_deduction_fen,
        "limits": rules.limits,
    }


@router.post(
    "/tax-returns",
    response={201: TaxReturnOut},
    summary="File the annual reconciliation of a tax year (send an Idempotency-Key header)",
)
def file_return(request: HttpRequest, payload: TaxReturnIn) -> HttpResponse:
    user = signed_in_user(request)

    def check(key: str) -> Callable[[], tuple[int, dict[str, Any]]]:
        def write() -> tuple[int, dict[str, Any]]:
            filed = services.file_return(
                user,
                tax_year=payload.tax_year,
                income=Income(**payload.income.dict()),
                deductions=Deductions(**payload.deductions.dict()),
                bank_account=payload.bank_account,
                idempotency_key=key,
            )
            return 201, TaxReturnOut.from_orm(filed).model_dump(mode="json")

        return write

    return idempotency.answer_once(request, owner=f"user:{user.pk}", check=check)


@router.get("/tax-returns", response=list[TaxReturnOut], summary="My tax returns")
def my_returns(request: HttpRequest) -> list[TaxReturn]:
    return list(selectors.returns_of(signed_in_user(request)))


@router.get("/tax-returns/{ref}", response=TaxReturnOut, summary="One of my tax returns")
def my_return(request: HttpRequest, ref: str) -> TaxReturn:
    return selectors.access_return(signed_in_user(request), ref)


@router.post(
    "/tax-returns/{ref}/payment",
    response={201: PaymentOut},
    summary="Pay the tax due: the answer's next_url is the provider's page "
    "(send an Idempotency-Key header and the amount due)",
)
def pay(request: HttpRequest, ref: str, payload: TaxPaymentIn) -> HttpResponse:
    user = signed_in_user(request)

    def check(key: str) -> Callable[[], tuple[int, dict[str, Any]]]:
        tax_return = selectors.access_return(user, ref)

        def write() -> tuple[int, dict[str, Any]]:
            payment = services.pay_tax(
                tax_return, idempotency_key=key, expected_amount_fen=payload.amount_fen
            )
            return 201, PaymentOut.from_orm(payment).model_dump(mode="json")

        return write

    return idempotency.answer_once(request, owner=f"user:{user.pk}", check=check)
