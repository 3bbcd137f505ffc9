"""The pages a citizen and an officer use, driven through the test client."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks

from onewindow.applications.models import Application, ApplicationStatus, Draft
from onewindow.catalog.models import ServiceItemVersion
from onewindow.core.models import Division
from onewindow.identity.models import DataAccess, Department
from tests.applications import factories
from tests.identity.factories import citizen, last_sms_code
from tests.identity.test_assisted_filing import verified_client


def _world(
    divisions: dict[str, Division],
) -> tuple[dict[str, Department], dict[str, ServiceItemVersion]]:
    return factories.departments(divisions), factories.catalogue()


def test_search_finds_company_establishment_from_colloquial_chinese(
    client: Client, divisions: dict[str, Division]
) -> None:
    _world(divisions)
    page = client.get(
        reverse("catalog:search"), {"q": "我想开公司"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        html.index("企业开办") < html.index("个体工商户")
        if "个体工商户" in html
        else "企业开办" in html
    )
    english = client.get(
        reverse("catalog:search"), {"q": "start a company"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Company establishment" in english.content.decode()


def test_guide_page_lists_materials_fees_time_and_visits(
    client: Client, divisions: dict[str, Division]
) -> None:
    _world(divisions)
    page = client.get(reverse("catalog:guide", args=[factories.BIRTH]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Birth medical certificate" in html
    assert "Fetched from another department" in html
    assert "3 working days promised (10 by law)" in html
    assert "None: fully online" in html
    assert "Regulations on Household Registration" in html


def test_citizen_saves_a_draft_then_submits_and_follows_the_timeline(
    divisions: dict[str, Division],
) -> None:
    _world(divisions)
    applicant = citizen(divisions["community"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(applicant)
    url = reverse("applications:new", args=[factories.BIRTH])

    saved = client.post(
        url,
        {"action": "save", "baby_name": "王小宝", "delivery": "electronic", "request_key": "k1"},
    )
    assert saved.status_code == 302
    form = client.get(url).content.decode()
    assert 'value="王小宝"' in form

    wrong_type = client.post(
        url,
        {
            **factories.BIRTH_FORM,
            "action": "submit",
            "delivery": "electronic",
            "request_key": "k1",
            "file_household_register": SimpleUploadedFile("register.pdf", b"MZ not a pdf"),
        },
    )
    assert "Only PDF, PNG or JPEG" in wrong_type.content.decode()
    assert not Application.objects.exists()

    submitted = client.post(
        url,
        {
            **factories.BIRTH_FORM,
            "action": "submit",
            "delivery": "electronic",
            "request_key": "k1",
            "file_household_register": SimpleUploadedFile("register.pdf", factories.PDF),
        },
    )
    application = Application.objects.get()
    assert submitted["Location"] == reverse("applications:detail", args=[application.ref])
    again = client.post(
        url,
        {**factories.BIRTH_FORM, "action": "submit", "delivery": "electronic", "request_key": "k1"},
    )
    # The form sent again: the first filing is shown, nothing new is filed or kept.
    assert again["Location"] == submitted["Location"]
    assert Application.objects.count() == 1
    assert not Draft.objects.filter(applicant=applicant).exists()
    track = client.get(submitted["Location"]).content.decode()
    assert "Household registration officer" in track
    assert "working days left" in track
    assert application.uploads.get().material_key == "household_register"


def test_form_errors_name_each_field_in_the_visitors_language(
    divisions: dict[str, Division],
) -> None:
    _world(divisions)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(citizen(divisions["community"]))
    page = client.post(
        reverse("applications:new", args=[factories.BIRTH]),
        {
            "action": "submit",
            "delivery": "electronic",
            "request_key": "k",
            "birth_certificate_number": "12",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "新生儿姓名" in html
    assert not Application.objects.exists()


def test_officer_claims_and_approves_from_the_workbench_and_the_view_is_logged(
    divisions: dict[str, Division],
) -> None:
    departments, versions = _world(divisions)
    applicant = citizen(divisions["community"])
    application = factories.file(applicant, versions[factories.BIRTH], factories.BIRTH_FORM)
    step = application.steps.get()
    officer = factories.officer(step.department)
    client = verified_client(officer)

    queue = client.get(reverse("applications:queue")).content.decode()
    assert application.ref in queue
    work_url = reverse("applications:work", args=[step.pk])
    assert client.get(work_url).status_code == 200
    assert DataAccess.objects.filter(
        accessor=officer.username, case_ref=application.ref, subject_user=applicant
    ).exists()
    client.post(work_url, {"action": "claim", "version": step.version})
    step.refresh_from_db()
    client.post(work_url, {"action": "approve", "version": step.version, "note": "ok"})
    approver = factories.officer(step.department, "approver")
    final = application.steps.get(key="approve")
    approver_client = verified_client(approver)
    approver_client.post(
        reverse("applications:work", args=[final.pk]), {"action": "claim", "version": final.version}
    )
    final.refresh_from_db()
    approver_client.post(
        reverse("applications:work", args=[final.pk]),
        {"action": "approve", "version": final.version},
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    owner = Client(HTTP_ACCEPT_LANGUAGE="en")
    owner.force_login(applicant)
    html = owner.get(reverse("applications:detail", args=[application.ref])).content.decode()
    assert "recorded in the ledger at index" in html
    assert departments["330106-public_security"].name_en in html  # who viewed the materials


def test_acting_on_a_step_someone_else_holds_is_403_and_other_departments_see_404(
    divisions: dict[str, Division],
) -> None:
    departments, versions = _world(divisions)
    application = factories.file(
        citizen(divisions["community"]), versions[factories.BIRTH], factories.BIRTH_FORM
    )
    step = application.steps.get()
    holder = factories.officer(step.department)
    colleague = factories.officer(step.department)
    stranger = factories.officer(departments["330127-public_security"])
    work_url = reverse("applications:work", args=[step.pk])
    verified_client(holder).post(work_url, {"action": "claim", "version": step.version})
    step.refresh_from_db()

    refused = verified_client(colleague).post(
        work_url, {"action": "approve", "version": step.version}
    )
    assert refused.status_code == 403
    assert verified_client(stranger).get(work_url).status_code == 404
    someone = Client()
    someone.force_login(citizen(divisions["community"]))
    assert someone.get(reverse("applications:detail", args=[application.ref])).status_code == 404


def test_department_admin_assigns_and_the_officer_opens_the_file_on_record(
    divisions: dict[str, Division],
) -> None:
    _departments, versions = _world(divisions)
    application = factories.file(
        citizen(divisions["community"]), versions[factories.BIRTH], factories.BIRTH_FORM
    )
    step = application.steps.get()
    admin = factories.officer(step.department, "department_admin")
    reviewer = factories.officer(step.department)
    work_url = reverse("applications:work", args=[step.pk])

    verified_client(admin).post(
        work_url, {"action": "assign", "version": step.version, "to": reviewer.username}
    )
    step.refresh_from_db()
    assert step.assignee == reviewer

    upload = application.uploads.get()
    opened = verified_client(reviewer).get(
        reverse("applications:material", args=[step.pk, upload.pk])
    )
    assert opened.status_code == 200
    assert isinstance(opened, StreamingHttpResponse)
    assert opened.getvalue().startswith(b"%PDF")
    assert DataAccess.objects.filter(
        accessor=reviewer.username, purpose="file:household_register"
    ).exists()


def test_window_clerk_files_for_a_citizen_from_another_county_at_the_counter(
    divisions: dict[str, Division],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    from onewindow.identity import sms
    from onewindow.identity.models import AgentConsent, User
    from onewindow.ledger.models import LedgerEntry
    from tests.identity.factories import resident_id

    departments, _versions = _world(divisions)
    id_number = resident_id(division_code="330127")
    rural = citizen(divisions["village"], id_number=id_number)
    clerk = factories.officer(departments["330106-market_supervision"], "window_clerk")
    client = verified_client(clerk)

    missing = client.post(reverse("applications:hall-filing"), {"id_number": "110101199001011237"})
    assert "No registered citizen" in missing.content.decode()
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("applications:hall-filing"), {"id_number": id_number})
    assert started["Location"] == reverse("identity:assist-confirm")
    assert LedgerEntry.objects.filter(
        event_type="data.access", subject_ref=f"user:{rural.pk}"
    ).exists()
    # Nothing can be filed for the citizen before they consent.
    assert (
        client.get(reverse("applications:new", args=[factories.SOCIAL_SECURITY_CARD])).context[
            "applicant"
        ]
        == clerk
    )
    code = last_sms_code()
    consented = client.post(reverse("identity:assist-confirm"), {"code": code})
    assert consented["Location"] == reverse("catalog:search")
    client.post(
        reverse("applications:new", args=[factories.SOCIAL_SECURITY_CARD]),
        {
            "action": "submit",
            "bank": "icbc",
            "delivery": "pickup",
            "request_key": "hall-1",
            "file_photo": SimpleUploadedFile("photo.png", factories.PNG),
        },
    )
    application = Application.objects.get(applicant=rural)
    assert application.channel == "hall"
    assert application.filed_by == clerk
    assert application.receiving_division.code == "330106"
    assert application.steps.get().department.code == "330100-human_resources"
    client.post(reverse("applications:hall-filing"), {"action": "stop"})
    assert client.session.get("identity.acting_for_consent") is None
    assert AgentConsent.objects.get(agent=clerk, resident=rural).revoked_at is not None

    citizen_client = Client()
    citizen_client.force_login(User.objects.get(pk=rural.pk))
    assert citizen_client.post(
        reverse("applications:hall-filing"), {"id_number": id_number}
    ).status_code in (302, 403)


def test_an_officer_with_300_open_steps_finds_each_by_reference_and_pages_through_all(
    divisions: dict[str, Division],
) -> None:
    _departments, versions = _world(divisions)
    applicant = citizen(divisions["community"])
    filed = [
        factories.file(applicant, versions[factories.BIRTH], factories.BIRTH_FORM)
        for _ in range(300)
    ]
    department = filed[0].steps.get().department
    client = verified_client(factories.officer(department))
    queue = reverse("applications:queue")

    seen: list[str] = []
    url = queue
    pages = 0
    while url:
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "300 steps, overdue first" in html
        seen += re.findall(r'href="/applications/work/steps/\d+/">([^<]+)</a>', html)
        following = re.search(r'href="(\?[^"]*after=[^"]+)" rel="next"', html)
        url = queue + following.group(1).replace("&amp;", "&") if following else ""
        pages += 1
    assert pages == 6
    assert sorted(seen) == sorted(application.ref for application in filed)

    wanted = filed[137]
    found = client.get(queue, {"q": wanted.ref.lower()}, HTTP_ACCEPT_LANGUAGE="en")
    html = found.content.decode()
    assert re.findall(r'href="/applications/work/steps/\d+/">([^<]+)</a>', html) == [wanted.ref]
    assert "1 step, overdue first" in html
    by_sequence = client.get(queue, {"q": wanted.ref[-4:]}, HTTP_ACCEPT_LANGUAGE="en")
    assert wanted.ref in by_sequence.content.decode()
    assert client.get(queue, {"after": "²³.x"}).status_code == 200  # a mangled link: page one


def test_the_step_page_shows_the_application_and_its_materials_before_the_decision(
    divisions: dict[str, Division],
) -> None:
    _departments, versions = _world(divisions)
    application = factories.file(
        citizen(divisions["community"]), versions[factories.BIRTH], factories.BIRTH_FORM
    )
    step = application.steps.get()
    officer = factories.officer(step.department)
    client = verified_client(officer)
    work_url = reverse("applications:work", args=[step.pk])
    client.post(work_url, {"action": "claim", "version": step.version})

    html = client.get(work_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert html.index("What the application says") < html.index("Approve this step")
    assert html.index("What the application says") < html.index("Reject the application")


def test_the_form_warns_of_an_application_for_the_same_service_still_being_handled(
    divisions: dict[str, Division],
) -> None:
    _departments, versions = _world(divisions)
    applicant = citizen(divisions["community"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(applicant)
    url = reverse("applications:new", args=[factories.BIRTH])
    assert 'id="already-open"' not in client.get(url).content.decode()

    first = factories.file(applicant, versions[factories.BIRTH], factories.BIRTH_FORM)

    html = client.get(url).content.decode()
    assert "An application for this service is already being handled" in html
    assert f'href="/applications/{first.ref}/"' in html
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "本事项已有办件正在办理" in chinese
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(citizen(divisions["community"]))
    assert 'id="already-open"' not in other.get(url).content.decode()
