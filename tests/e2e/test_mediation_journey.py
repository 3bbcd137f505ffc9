"""Mediation for the parties in a real browser: the township registers a dispute, both
parties are told and see it on their pages, the mediator sends a party a message without
seeing their number, one party confirms the agreement online, and that party finds the
mediator's read of their contact details on "who read my data". Every page on the way
passes axe-core."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from onewindow.core import personal_data
from onewindow.core.models import Division
from onewindow.grievances import mediation
from onewindow.grievances.models import Dispute
from onewindow.identity.models import MOBILE_CONTEXT, Department, DepartmentKind, Role, User
from tests.e2e.test_application_journeys import _officer_page, _sign_in
from tests.e2e.test_journeys import serious_violations
from tests.grievances import factories
from tests.identity.factories import citizen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _mobile(user: User) -> str:
    return personal_data.decrypt(user.mobile_encrypted, context=MOBILE_CONTEXT)


def test_parties_are_told_see_the_dispute_confirm_online_and_see_who_read_their_number(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    township = Department.objects.create(
        code="330127201-TWP",
        name_zh="王阜乡人民政府",
        name_en="Wangfu Township Office",
        kind=DepartmentKind.TOWNSHIP_OFFICE,
        division=divisions["township"],
    )
    office = factories.officer(township, Role.DEPARTMENT_ADMIN, username="township")
    mediator = factories.officer(township, Role.MEDIATOR, username="mediator")
    wang = citizen(divisions["community"], username="wangda")
    li = citizen(divisions["community"], username="lier")
    base = live_server.url

    office_page = _officer_page(browser, base, office)
    office_page.goto(f"{base}/hotline/mediation/")
    assert serious_violations(office_page) == []
    office_page.get_by_label("Kind of dispute").select_option("neighbours")
    office_page.get_by_label("What the dispute is about").fill("两家因宅基地围墙界线发生争执。")
    office_page.get_by_label("Applicant's name").fill("王大")
    office_page.get_by_label("Applicant's phone").fill(_mobile(wang))
    office_page.get_by_label("Respondent's name").fill("李二")
    office_page.get_by_label("Respondent's phone").fill(_mobile(li))
    office_page.get_by_role("button", name="Register").click()
    office_page.locator("#dispute-status").wait_for()
    dispute = Dispute.objects.get()
    office_page.get_by_label("Mediator").select_option("mediator")
    office_page.get_by_role("button", name="Assign").click()
    office_page.get_by_text("Recorded.").wait_for()
    office_page.context.close()

    pages = {}
    for username in ("wangda", "lier"):
        context = browser.new_context(locale="en-US")
        party_page = context.new_page()
        _sign_in(party_page, base, username)
        party_page.goto(f"{base}/inbox/")
        assert dispute.ref in party_page.content()
        party_page.goto(f"{base}/hotline/mine/")
        party_page.locator("#my-disputes").get_by_role("link", name=dispute.ref).click()
        assert party_page.locator("#dispute-status").text_content() == "In mediation"
        pages[username] = party_page
    assert serious_violations(pages["wangda"]) == []

    mediator_page = _officer_page(browser, base, mediator)
    mediator_page.goto(f"{base}/hotline/mediation/")
    assert mediator_page.get_by_role("heading", name="Register a dispute").count() == 0
    mediator_page.get_by_role("link", name=dispute.ref).click()
    assert mediator_page.get_by_role("heading", name="Assign a mediator").count() == 0
    assert _mobile(wang) not in mediator_page.content()
    mediator_page.get_by_label("To").select_option(label="Applicant: 王*")
    mediator_page.get_by_label("Message").fill("请于周五上午九点到乡调解室。")
    assert serious_violations(mediator_page) == []
    mediator_page.get_by_role("button", name="Send the message").click()
    mediator_page.get_by_text("Recorded.").wait_for()
    assert "请于周五上午九点到乡调解室。" in mediator_page.locator("#messages-sent").inner_text()
    assert _mobile(wang) not in mediator_page.content()
    mediator_page.context.close()
    mediation.record_session(
        mediator,
        dispute,
        held_at=timezone.now() - timedelta(hours=1),
        place="王阜乡调解室",
        notes="双方陈述",
    )
    mediation.record_outcome(
        mediator, dispute, agreed=True, agreement="围墙按原界址重砌，费用各半。"
    )

    wang_page = pages["wangda"]
    wang_page.reload()
    assert "请于周五上午九点到乡调解室。" in wang_page.locator("#messages-to-me").inner_text()
    assert "王阜乡调解室" in wang_page.locator("#sessions").inner_text()
    assert "费用各半" in wang_page.locator("#agreement").inner_text()
    assert serious_violations(wang_page) == []
    wang_page.get_by_role("button", name="I confirm the agreement").click()
    wang_page.get_by_text("Thank you: you confirmed the agreement.").wait_for()
    assert "Confirmed" in wang_page.locator("#my-response").inner_text()
    assert dispute.parties.get(user=wang).response == "confirmed"

    wang_page.goto(f"{base}/my-data/")
    reads = wang_page.locator("#data-accesses")
    row = reads.locator("tr", has_text=dispute.ref)
    assert "Contact details read" in row.inner_text()
    assert "mediator" in row.inner_text()
    assert serious_violations(wang_page) == []
    for party_page in pages.values():
        party_page.context.close()
