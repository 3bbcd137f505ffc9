"""Budgets whose lines do not add up, unknown classes, procurement dates out of order, a
bid without its conflict-of-interest declaration: refused with the field named."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from onewindow.core.errors import DomainError, PermissionDenied
from onewindow.core.models import Division
from onewindow.identity.models import Role
from onewindow.transparency import procurement
from onewindow.transparency.models import BudgetLine, ProcurementStatus
from onewindow.transparency.services import FiscalLine, enter_budget
from tests.identity.factories import officer
from tests.transparency import factories

pytestmark = pytest.mark.django_db


def test_budget_lines_that_do_not_add_up_are_refused_on_the_total(
    divisions: dict[str, Division],
) -> None:
    education = factories.education_bureau(divisions)
    accountant = officer(education, roles=(Role.DATA_PUBLISHER,), username="edu-publisher")
    lines = [FiscalLine("20502", "301", 100_00), FiscalLine("20502", "302", 50_00)]

    with pytest.raises(DomainError) as refused:
        enter_budget(accountant, education, year=2025, stage="budget", lines=lines, total_fen=150)

    assert (refused.value.code, refused.value.field) == ("fiscal_lines_do_not_sum", "total_fen")
    with pytest.raises(DomainError) as unknown:
        enter_budget(
            accountant,
            education,
            year=2025,
            stage="budget",
            lines=[FiscalLine("99901", "301", 1)],
            total_fen=1,
        )
    assert unknown.value.field == "lines[1].function_code"
    assert not BudgetLine.objects.exists()


def test_another_departments_officer_cannot_enter_a_budget(divisions: dict[str, Division]) -> None:
    education = factories.education_bureau(divisions)
    other = officer(factories.bureau(divisions), roles=(Role.DATA_PUBLISHER,), username="other")

    with pytest.raises(PermissionDenied):
        enter_budget(other, education, year=2025, stage="budget", lines=[], total_fen=0)


def test_procurement_rules_name_the_field(divisions: dict[str, Division]) -> None:
    education = factories.education_bureau(divisions)
    buyer = officer(education, roles=(Role.PROCUREMENT_OFFICER,), username="buyer")
    day = date(2025, 5, 6)
    process = procurement.plan_procurement(
        buyer,
        education,
        title_zh="课桌椅采购",
        title_en="School desks",
        function_code="20502",
        method="open",
        budget_fen=500_000_00,
        planned_on=day,
    )

    with pytest.raises(DomainError) as short:
        procurement.open_tender(buyer, process, start=day, end=day + timedelta(days=10))
    assert short.value.field == "tender_end"
    with pytest.raises(DomainError) as early:
        procurement.open_tender(
            buyer, process, start=day - timedelta(days=1), end=day + timedelta(days=30)
        )
    assert early.value.field == "tender_start"

    procurement.open_tender(buyer, process, start=day, end=day + timedelta(days=20))
    with pytest.raises(DomainError) as undeclared:
        procurement.receive_bid(
            buyer,
            process,
            credit_code="91330106MA2B3C4D5D",
            name="x",
            amount_fen=1,
            received_on=day,
            no_conflict_declared=False,
        )
    assert undeclared.value.field == "no_conflict_declared"
    with pytest.raises(DomainError) as late_bid:
        procurement.receive_bid(
            buyer,
            process,
            credit_code="91330106MA2B3C4D5D",
            name="x",
            amount_fen=1,
            received_on=day + timedelta(days=25),
            no_conflict_declared=True,
        )
    assert late_bid.value.field == "received_on"
    with pytest.raises(DomainError) as bad_code:
        procurement.receive_bid(
            buyer,
            process,
            credit_code="91330106MA2B3C4D5E",
            name="x",
            amount_fen=1,
            received_on=day,
            no_conflict_declared=True,
        )
    assert bad_code.value.field == "credit_code"
    with pytest.raises(DomainError) as not_bidder:
        procurement.award(
            buyer, process, credit_code="91330106MA2B3C4D5D", awarded_on=day + timedelta(days=21)
        )
    assert not_bidder.value.field == "credit_code"
    process.refresh_from_db()
    assert process.status == ProcurementStatus.TENDER


def test_a_contract_waits_for_the_complaint_window(divisions: dict[str, Division]) -> None:
    education = factories.education_bureau(divisions)
    made = factories.procurements(education)
    awarded = next(p for p in made if p.status == ProcurementStatus.AWARD)
    buyer = awarded.buyer
    from onewindow.identity.models import User

    officer_user = User.objects.get(username="buyer")
    assert awarded.complaint_end is not None
    assert awarded.awarded_on is not None
    assert awarded.complaint_end > awarded.awarded_on

    with pytest.raises(DomainError) as early:
        procurement.sign_contract(
            officer_user,
            awarded,
            signed_on=awarded.complaint_end,
            ends_on=awarded.complaint_end + timedelta(days=90),
        )

    assert early.value.field == "signed_on"
    assert buyer.code == "330100-edu"


def test_the_spending_page_shows_where_the_money_goes(divisions: dict[str, Division]) -> None:
    from django.test import Client

    education = factories.education_bureau(divisions)
    accountant = officer(education, roles=(Role.DATA_PUBLISHER,), username="edu-publisher")
    factories.budgets(accountant, education)

    page = Client().get("/open-data/spending/", {"year": "2025"}).content.decode()

    assert "205 Education" in page
    assert "Hangzhou Education Bureau" in page
    assert "budget-2025" in page
