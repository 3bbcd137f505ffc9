"""Catalogue editors: draft, review and publish through the pages and the services; least
privilege; people with drafts are told of a change that matters and see the new version."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from onewindow.applications import services as applications
from onewindow.applications.models import Draft
from onewindow.catalog import editing, selectors
from onewindow.catalog.models import DraftStatus, ServiceDraft, ServiceItemVersion
from onewindow.core.errors import Conflict, PermissionDenied
from onewindow.core.models import Division
from onewindow.identity.models import User
from onewindow.notify.models import Message
from tests.applications import factories
from tests.applications.factories import World
from tests.identity import factories as people
from tests.identity.test_assisted_filing import verified_client

pytestmark = pytest.mark.django_db

CARD = factories.SOCIAL_SECURITY_CARD
MARRIAGE = "330000-CA-HY-001"


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    return factories.world(divisions)


def _officer(world: World, department: str, role: str, username: str) -> User:
    return people.officer(world["departments"][department], roles=(role,), username=username)


def _item_form(client: Client, code: str) -> dict[str, object]:
    """The edit page's form as the browser would send it back unchanged."""
    page = client.get(f"/services/edit/items/{code}/")
    assert page.status_code == 200
    form = page.context["form"]
    data: dict[str, object] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = value if value is not None else ""
    return data


def test_an_editor_changes_materials_the_approver_publishes_and_a_draft_owner_is_told(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    # Given an applicant with a draft of the social security card, and the bureau's editor
    # and approver
    applicant = people.citizen(world["divisions"]["community"])
    first = world["versions"][CARD]
    applications.save_draft(applicant, first, {"bank": "icbc"})
    editor = verified_client(
        _officer(world, "330100-human_resources", "catalogue_editor", "editor")
    )
    approver = verified_client(
        _officer(world, "330100-human_resources", "catalogue_approver", "approver")
    )

    # When the editor adds a required material on the item's page and sends it for approval
    data = _item_form(editor, CARD)
    data["materials"] = (
        str(data["materials"])
        + "\nresidence_proof|居住证明|Proof of residence|upload|copy|1|required"
    )
    data["reason"] = "依据省人社厅通知，补充居住证明"
    saved = editor.post(f"/services/edit/items/{CARD}/", data)
    assert saved.status_code == 302, saved.context["form"].errors if saved.context else saved
    draft = ServiceDraft.objects.get(code=CARD)
    page = editor.get(f"/services/edit/drafts/{draft.pk}/")
    assert "Proof of residence" in page.content.decode() or "居住证明" in page.content.decode()
    assert editor.post(f"/services/edit/drafts/{draft.pk}/submit/").status_code == 302

    # Then nothing is public until the approver publishes it
    assert selectors.current_version(CARD) == first
    with django_capture_on_commit_callbacks(execute=True):
        assert approver.post(f"/services/edit/drafts/{draft.pk}/publish/").status_code == 302

    second = selectors.current_version(CARD)
    assert second.number == 2
    assert second.change_reason == "依据省人社厅通知，补充居住证明"
    assert {m["key"] for m in second.materials} == {"identity", "photo", "residence_proof"}
    # The first version is unchanged, and the draft follows the new one
    first.refresh_from_db()
    assert [m["key"] for m in first.materials] == ["identity", "photo"]
    assert Draft.objects.get(applicant=applicant).item_version == second
    told = Message.objects.get(recipient=applicant, event="service_changed")
    assert "Proof of residence" in told.body or "居住证明" in told.body
    # The public history names the change and its reason
    history = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/services/{CARD}/versions/")
    assert "Proof of residence" in history.content.decode()
    assert "依据省人社厅通知" in history.content.decode()


def test_a_change_that_does_not_matter_moves_drafts_without_a_message(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    applicant = people.citizen(world["divisions"]["community"])
    applications.save_draft(applicant, world["versions"][CARD], {"bank": "icbc"})
    editor = _officer(world, "330100-human_resources", "catalogue_editor", "editor")
    approver = _officer(world, "330100-human_resources", "catalogue_approver", "approver")
    definition = editing.definition_of(world["versions"][CARD].item)
    definition["guide"]["promised_days"] = 3

    draft = editing.save_draft(editor, CARD, definition=definition, reason="提速")
    editing.submit_draft(editor, draft)
    with django_capture_on_commit_callbacks(execute=True):
        version = editing.publish_draft(approver, draft)

    assert Draft.objects.get(applicant=applicant).item_version == version
    assert not Message.objects.filter(recipient=applicant, event="service_changed").exists()


def test_an_editor_edits_only_their_own_departments_items(world: World) -> None:
    # Given a civil affairs editor
    editor = _officer(world, "330100-civil_affairs", "catalogue_editor", "editor")
    definition = editing.definition_of(world["versions"][CARD].item)

    # Then the social security card (human resources) is not theirs, on any path
    with pytest.raises(PermissionDenied):
        editing.save_draft(editor, CARD, definition=definition, reason="改")
    client = verified_client(editor)
    assert client.get(f"/services/edit/items/{CARD}/").status_code == 404
    assert ServiceDraft.objects.count() == 0


def test_only_the_approver_publishes_and_only_a_submitted_draft(world: World) -> None:
    editor = _officer(world, "330100-human_resources", "catalogue_editor", "editor")
    approver = _officer(world, "330100-human_resources", "catalogue_approver", "approver")
    definition = editing.definition_of(world["versions"][CARD].item)
    draft = editing.save_draft(editor, CARD, definition=definition, reason="复核")

    with pytest.raises(Conflict):
        editing.publish_draft(approver, draft)
    editing.submit_draft(editor, draft)
    with pytest.raises(PermissionDenied):
        editing.publish_draft(editor, draft)
    versions = ServiceItemVersion.objects.count()
    editing.publish_draft(approver, draft)
    assert ServiceItemVersion.objects.count() == versions + 1


def test_a_draft_overtaken_by_another_version_is_refused(world: World) -> None:
    editor = _officer(world, "330100-human_resources", "catalogue_editor", "editor")
    approver = _officer(world, "330100-human_resources", "catalogue_approver", "approver")
    definition = editing.definition_of(world["versions"][CARD].item)
    early = editing.save_draft(editor, CARD, definition=definition, reason="一")
    late = editing.save_draft(editor, CARD, definition=definition, reason="二")
    for draft in (early, late):
        editing.submit_draft(editor, draft)
    editing.publish_draft(approver, late)

    with pytest.raises(Conflict):
        editing.publish_draft(approver, early)
    early.refresh_from_db()
    assert early.status == DraftStatus.IN_REVIEW


@pytest.mark.parametrize(
    ("user", "status"),
    [("anonymous", 302), ("citizen", 403), ("reviewer", 403), ("editor", 200)],
)
def test_the_editing_pages_are_for_catalogue_editors(world: World, user: str, status: int) -> None:
    if user == "anonymous":
        client = Client()
    elif user == "citizen":
        client = Client()
        client.force_login(people.citizen(world["divisions"]["community"]))
    else:
        role = "reviewer" if user == "reviewer" else "catalogue_editor"
        client = verified_client(_officer(world, "330100-human_resources", role, user))
    assert client.get("/services/edit/").status_code == status


def test_the_guide_lists_the_implementation_list(world: World) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(f"/services/{MARRIAGE}/")
    text = page.content.decode()
    assert "一方户籍所在地县（市、区）民政局婚姻登记处" in text  # where to go
    assert "男方年满二十二周岁" in text  # conditions
    assert "12345" in text
    guide = Client().get(f"/api/v1/services/{MARRIAGE}").json()
    assert guide["online_depth"] == "online_filing"
    assert guide["result_type"] == "licence"
    assert guide["materials"][0]["form"] in {"original", "copy", "original_and_copy", "electronic"}


def test_applications_keep_their_version_when_an_editor_publishes(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    applicant = people.citizen(world["divisions"]["community"])
    first = world["versions"][CARD]
    application = applications.submit_application(
        applicant,
        first,
        {"bank": "icbc"},
        idempotency_key=uuid.uuid4().hex,
        delivery="electronic",
        draft=factories.draft_with_uploads(applicant, first),
    )
    editor = _officer(world, "330100-human_resources", "catalogue_editor", "editor")
    approver = _officer(world, "330100-human_resources", "catalogue_approver", "approver")
    definition = editing.definition_of(first.item)
    definition["guide"]["fee_fen"] = 2000
    definition["guide"]["fee_basis_zh"] = "补换卡工本费"
    definition["guide"]["fee_basis_en"] = "Replacement card fee"
    draft = editing.save_draft(editor, CARD, definition=definition, reason="补换卡收费")
    editing.submit_draft(editor, draft)
    with django_capture_on_commit_callbacks(execute=True):
        editing.publish_draft(approver, draft)

    application.refresh_from_db()
    assert application.item_version == first
    # A fee raised matters: the applicant of the open application is told
    assert Message.objects.filter(recipient=applicant, event="service_changed").exists()


def test_a_county_editor_does_not_edit_what_the_city_handles(world: World) -> None:
    # Given the social security card, handled at the city, and a county bureau's editor
    county_bureau = world["departments"]["330106-civil_affairs"]
    editor = people.officer(county_bureau, roles=("catalogue_editor",), username="county-ed")
    marriage = selectors.service_by_code(MARRIAGE)  # handled at the county: theirs
    city_level = editing.definition_of(marriage)
    city_level["level"] = 3

    with pytest.raises(PermissionDenied):
        editing.save_draft(editor, MARRIAGE, definition=city_level, reason="上收到市级")
    assert selectors.department_item(editor, MARRIAGE) == marriage
    draft = editing.save_draft(
        editor, MARRIAGE, definition=editing.definition_of(marriage), reason="更新指南"
    )
    assert selectors.access_draft(editor, draft.pk) == draft
