"""A catalogue editor changes an item's materials, the approver publishes, and an applicant
with a draft of that item is told and sees the new version. Every page passes axe-core."""

from __future__ import annotations

import re
from typing import Any

import pytest

from onewindow.applications import services as applications
from onewindow.core.models import Division
from tests.applications import factories
from tests.e2e.test_application_journeys import _officer_page, _sign_in
from tests.e2e.test_journeys import serious_violations
from tests.identity import factories as people

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARD = factories.SOCIAL_SECURITY_CARD


def test_an_editors_change_reaches_an_applicant_with_a_draft(
    browser: Any, page: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    base = live_server.url
    world = factories.world(divisions)
    bureau = world["departments"]["330100-human_resources"]
    editor = people.officer(bureau, roles=("catalogue_editor",), username="editor")
    approver = people.officer(bureau, roles=("catalogue_approver",), username="approver")
    applicant = people.citizen(divisions["community"], username="xiaohong")
    applications.save_draft(applicant, world["versions"][CARD], {"bank": "icbc"})

    # The editor adds a material to the social security card and sends it for approval.
    editing = _officer_page(browser, base, editor)
    editing.goto(f"{base}/services/edit/")
    assert serious_violations(editing) == []
    editing.get_by_role("link", name="Edit Social security card application").click()
    assert serious_violations(editing) == []
    materials = editing.get_by_label("Materials")
    materials.fill(
        materials.input_value()
        + "\nresidence_proof|居住证明|Proof of residence|upload|copy|1|required"
    )
    editing.get_by_label("Reason for the change").fill("Provincial notice: proof of residence")
    editing.get_by_role("button", name="Save the draft").click()
    editing.get_by_text("Draft saved.").wait_for()
    assert editing.get_by_text("Proof of residence").first.is_visible()
    assert serious_violations(editing) == []
    draft_url = editing.url
    editing.get_by_role("button", name="Send for approval").click()
    editing.get_by_text("Sent to your department's approver.").wait_for()

    # The approver publishes it.
    approving = _officer_page(browser, base, approver)
    approving.goto(draft_url)
    assert serious_violations(approving) == []
    approving.get_by_role("button", name="Publish as the next version").click()
    approving.get_by_text("Published as version 2.").wait_for()

    # The applicant is told, and their draft shows the new material.
    _sign_in(page, base, applicant.username)
    page.goto(f"{base}/inbox/")
    # In the applicant's language (the platform's default, Chinese, for this account)
    assert page.get_by_text(re.compile("has changed|已变更")).first.is_visible()
    assert serious_violations(page) == []
    page.goto(f"{base}/applications/new/{CARD}/")
    assert page.get_by_text("Proof of residence").first.is_visible()
    assert serious_violations(page) == []
    page.goto(f"{base}/services/{CARD}/versions/")
    assert page.get_by_text("Provincial notice: proof of residence").is_visible()
    assert serious_violations(page) == []
