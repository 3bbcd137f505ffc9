"""Every write of e-tax: filing the annual reconciliation, paying the tax due, the refund.

`file_return` computes with the rules of the year (computation.reconcile: refusals name the
rule, nothing is written), stores the return once per person and year, and records it in the
ledger. A refund goes to the resident's bank account at once (the treasury's payment is
outside this demo: the ledger records the order); tax due is paid through payments, whose
confirmation moves the return to paid (`on_payment_confirmed`) and whose receipt is the
e-receipt of any fee. A balance the law does not require to be paid is settled as is.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core import personal_data
from onewindow.core.calendar import SHANGHAI
from onewindow.core.divisions import Level
from onewindow.core.errors import Conflict, DomainError
from onewindow.etax.computation import Deductions, Income, reconcile
from onewindow.etax.models import Outcome, ReturnStatus, TaxReturn
from onewindow.identity.models import DepartmentKind, User
from onewindow.identity.selectors import competent_department
from onewindow.ledger import services as ledger
from onewindow.payments import services as payments
from onewindow.payments.models import Payment

BANK_CONTEXT = "etax.bank_account"


def _bank_account(number: str) -> str:
    digits = number.replace(" ", "")
    if not (digits.isascii() and digits.isdigit() and 12 <= len(digits) <= 19):
        raise DomainError(
            _("A bank account number has 12 to 19 digits."),
            code="invalid_bank_account",
            field="bank_account",
        )
    return digits


def _tax_office(person: User) -> Any:
    if person.division is None:
        raise DomainError(
            _("Your registered division is needed to find your tax office."),
            code="no_division",
        )
    return competent_department(person.division, kind=DepartmentKind.TAXATION, level=Level.CITY)


def file_return(
    person: User,
    *,
    tax_year: int,
    income: Income,
    deductions: Deductions,
    bank_account: str = "",
    idempotency_key: str,
) -> TaxReturn:
    """File the annual reconciliation of a tax year. The same key returns the same return.
    Raises YearWithoutRules, AboveLimit, DomainError (a negative amount, a bank account
    missing for a refund or malformed), Conflict (the year filed already)."""
    existing = TaxReturn.objects.filter(person=person, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    now = timezone.now()
    if tax_year >= now.astimezone(SHANGHAI).year:
        raise DomainError(
            _("Tax year %(year)s has not ended: it is reconciled from 1 March of the next year."),
            code="tax_year_not_ended",
            field="tax_year",
            params={"year": tax_year},
        )
    result = reconcile(tax_year, income, deductions)
    account = ""
    if result.outcome == Outcome.REFUND:
        if not bank_account:
            raise DomainError(
                _("A refund needs your bank account."),
                code="bank_account_missing",
                field="bank_account",
            )
        account = _bank_account(bank_account)
    elif bank_account:
        account = _bank_account(bank_account)
    office = _tax_office(person)
    status = {
        Outcome.REFUND: ReturnStatus.REFUNDED,
        Outcome.DUE: ReturnStatus.AWAITING_PAYMENT,
    }.get(Outcome(result.outcome), ReturnStatus.CLOSED)
    try:
        with transaction.atomic():
            tax_return = TaxReturn.objects.create(
                ref=f"T{tax_year}-{secrets.token_hex(4).upper()}",
                person=person,
                tax_year=tax_year,
                declared={**income.__dict__, **deductions.__dict__},
                income_fen=result.income_fen,
                deductions_fen=result.deductions_fen,
                taxable_fen=result.taxable_fen,
                rate_percent=result.rate_percent,
                quick_deduction_fen=result.quick_deduction_fen,
                tax_fen=result.tax_fen,
                withheld_fen=result.withheld_fen,
                balance_fen=result.balance_fen,
                lines=result.lines,
                outcome=result.outcome,
                status=status,
                bank_account_encrypted=(
                    personal_data.encrypt(account, context=BANK_CONTEXT) if account else ""
                ),
                bank_account_masked=(
                    personal_data.mask(account, keep_start=0, keep_end=4) if account else ""
                ),
                idempotency_key=idempotency_key,
                filed_at=now,
                settled_at=now if status != ReturnStatus.AWAITING_PAYMENT else None,
            )
            ledger.record(
                "tax.return_filed",
                subject_ref=tax_return.ref,
                actor_role="resident",
                department=office.code,
                payload={
                    "tax_year": tax_year,
                    "tax_fen": result.tax_fen,
                    "balance_fen": result.balance_fen,
                    "outcome": result.outcome,
                },
            )
            if status == ReturnStatus.REFUNDED:
                ledger.record(
                    "tax.refund_ordered",
                    subject_ref=tax_return.ref,
                    actor_role="tax_office",
                    department=office.code,
                    payload={"refund_fen": -result.balance_fen},
                )
    except IntegrityError:
        again = TaxReturn.objects.filter(person=person, idempotency_key=idempotency_key).first()
        if again is not None:
            return again
        raise Conflict(
            _("You have filed the reconciliation of %(year)s already."),
            code="tax_year_filed",
            field="tax_year",
            params={"year": tax_year},
        ) from None
    return tax_return


def pay_tax(
    tax_return: TaxReturn, *, idempotency_key: str, expected_amount_fen: int | None = None
) -> Payment:
    """Start paying the tax due through payments (the tax office is the payee)."""
    if tax_return.status != ReturnStatus.AWAITING_PAYMENT:
        raise Conflict(_("This return has nothing left to pay."), code="nothing_due")
    return payments.start_payment(
        payments.Charge(
            payer=tax_return.person,
            payee=_tax_office(tax_return.person),
            purpose=f"tax:{tax_return.ref}",
            description=f"个人所得税{tax_return.tax_year}年度汇算补税 · {tax_return.ref}",
            gross_fen=tax_return.balance_fen,
        ),
        idempotency_key=idempotency_key,
        expected_amount_fen=expected_amount_fen,
    )


def on_payment_confirmed(sender: Any, *, payment: Payment, **kwargs: Any) -> None:
    """The tax due is paid: the return is settled (receiver of payments.payment_confirmed)."""
    if not payment.purpose.startswith("tax:"):
        return
    ref = payment.purpose.split(":", 1)[1]
    TaxReturn.objects.filter(ref=ref, status=ReturnStatus.AWAITING_PAYMENT).update(
        status=ReturnStatus.PAID, settled_at=timezone.now()
    )
