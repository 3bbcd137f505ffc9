"""Reads of tax returns: a return is its filer's ("missing" and "not yours" alike)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import NotFound
from onewindow.etax.models import TaxReturn
from onewindow.identity.models import User
from onewindow.payments.models import Payment
from onewindow.payments.selectors import live_payment_for


def returns_of(user: User) -> QuerySet[TaxReturn]:
    return TaxReturn.objects.filter(person=user).order_by("-tax_year")


def access_return(user: User, ref: str) -> TaxReturn:
    found = returns_of(user).filter(ref=ref).first()
    if found is None:
        raise NotFound(_("No tax return of yours has this reference."), field="ref")
    return found


def payment_of(tax_return: TaxReturn) -> Payment | None:
    return live_payment_for(f"tax:{tax_return.ref}")
