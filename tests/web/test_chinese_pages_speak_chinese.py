"""A Chinese page in the journeys shows Chinese: no internal codes ("in_progress", "photo",
"BusinessLicenceCredential") and no English words, only names, numbers and references."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.applications import services
from onewindow.core.models import Division
from onewindow.credentials import services as credential_services
from onewindow.credentials.models import Credential
from onewindow.grievances.models import Case
from onewindow.identity.models import Department, DepartmentKind, User
from tests.applications import factories
from tests.credentials.factories import approve_all
from tests.grievances import factories as hotline
from tests.identity.factories import citizen

pytestmark = pytest.mark.django_db

# Words a Chinese reader meets as they are: file formats, acronyms of the trade, our name.
ALLOWED_WORDS = {
    "PDF",
    "PNG",
    "JPEG",
    "JSON",
    "CSV",
    "XLSX",
    "SMS",
    "ID",
    "QR",
    "API",
    "SHA",
    "MB",
    "KB",
}
# Names of things: programs and packages a reader types, a product of the tax office, and
# English as a language picker names it (in its own language, as language pickers do).
ALLOWED_WORDS |= {"OneWindow", "Python", "cryptography", "Ukey", "English"}
ALLOWED_TOKENS = {"onewindow-verify"}
# A reference, a code with digits, an e-mail address or a web address is not a word to translate.
REFERENCE = re.compile(r"\S*\d\S*|\S+@\S+|https?://\S+|/\S*|\S+\.(?:json|jwt|txt|pdf)")
WORD = re.compile(r"[A-Za-z]{2,}")
# HTML says these hold machine text (hashes, commands), not prose; a textarea holds what the
# visitor typed or pasted (on /credentials/verify/, a QR's base45 text).
MACHINE_TEXT = {"code", "pre", "kbd", "samp", "script", "style", "template", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            # Text marked as another language (the "English" switch) is meant to be read so.
            marked = dict(attrs).get("lang") or ""
            self.stack.append("code" if marked and not marked.startswith("zh") else tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass
        elif self.stack and self.stack[-1] == "code":
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not MACHINE_TEXT.intersection(self.stack):
            self.parts.append(data)


def english_words(html: str, names: set[str]) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    found: set[str] = set()
    for text in parser.parts:
        for token in text.split():
            bare = token.strip("()（），。、：:;,.·“”\"'")
            if bare in ALLOWED_TOKENS or REFERENCE.fullmatch(bare):
                continue
            found.update(word for word in WORD.findall(token) if word not in ALLOWED_WORDS | names)
    return found


def test_the_checker_finds_codes_and_english_and_lets_references_through() -> None:
    page = (
        "<main><p>已提交 → in_progress (applicant)</p><p>办件编号 SQ20261101000123，"
        "见 https://example.org/a · PDF</p><code>application.approved</code>"
        "<td>agri.subsidy (0.89)</td></main>"
    )

    assert english_words(page, set()) == {"in", "progress", "applicant", "agri", "subsidy"}


@pytest.fixture
def journeys(
    divisions: dict[str, Division], django_capture_on_commit_callbacks: Any
) -> dict[str, Any]:
    """A birth registered and its record issued, a company founded and its licence issued,
    one supplement request, and hotline cases from a call and from the web."""
    hotline_world = hotline.world(divisions)
    _name_departments_in_chinese()
    versions = factories.catalogue()
    mother = citizen(divisions["community"], username="mother")
    founder = citizen(divisions["community"], username="founder")
    with django_capture_on_commit_callbacks(execute=True):
        birth = approve_all(factories.file(mother, versions[factories.BIRTH], factories.BIRTH_FORM))
        company = approve_all(
            factories.file(founder, versions[factories.COMPANY], factories.COMPANY_FORM)
        )
        waiting = factories.file(
            mother, versions[factories.BIRTH], {**factories.BIRTH_FORM, "baby_sex": "male"}
        )
        step = waiting.steps.get()
        reviewer = factories.officer(step.department, username="registrar")
        step = services.claim_step(reviewer, step, version=step.version)
        services.request_supplements(
            reviewer,
            step,
            version=step.version,
            items=[{"key": "household_register", "reason": "缺户主页"}],
        )
        hotline.call(divisions["community"], agent=hotline_world.agent)
        unsure = hotline.call(divisions["community"], "你好，我想问一下这个事情应该找谁。")
        hotline.online(mother, divisions["community"], hotline.WAGES)
    return {
        "mother": mother,
        "founder": founder,
        "reviewer": reviewer,
        "dispatcher": hotline_world.dispatcher,
        "agent": hotline_world.agent,
        "birth": birth,
        "company": company,
        "waiting": waiting,
        "step": step,
        "unsure": unsure,
        # Account names people chose, and what officers typed ("ok"), are theirs to write.
        "names": {"mother", "founder", "registrar", "agent", "dispatcher", "ok"},
    }


def _name_departments_in_chinese() -> None:
    """The shared factories name departments "杭州市" + the kind's English label; the demo
    city's departments have Chinese names, and so must these."""
    for department in Department.objects.all():
        kind = DepartmentKind(department.kind)
        with translation.override("en"):
            english = str(kind.label)
        with translation.override("zh-hans"):
            chinese = str(kind.label)
        department.name_zh = department.name_zh.replace(english, chinese)
        department.save(update_fields=["name_zh"])


def _chinese_client(user: User | None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    if user is not None:
        client.force_login(user)
        device = TOTPDevice.objects.filter(user=user).first()
        if device is not None:
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    return client


def _english_on(client: Client, paths: list[str], names: set[str]) -> dict[str, set[str]]:
    found = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Language"] == "zh-hans", path
        words = english_words(response.content.decode(), names)
        if words:
            found[path] = words
    return found


def test_citizens_chinese_pages_show_no_codes_or_english(journeys: dict[str, Any]) -> None:
    mother = _chinese_client(journeys["mother"])
    founder = _chinese_client(journeys["founder"])
    birth_record = Credential.objects.get(case_ref=journeys["birth"].ref)
    licence = Credential.objects.get(case_ref=journeys["company"].ref)
    case = Case.objects.filter(reporters__user=journeys["mother"]).get()

    found = _english_on(
        mother,
        [
            "/",
            "/services/",
            "/services/?q=出生",
            f"/services/{factories.BIRTH}/",
            "/applications/",
            f"/applications/{journeys['birth'].ref}/",
            f"/applications/{journeys['waiting'].ref}/",
            "/credentials/wallet/",
            f"/credentials/wallet/{birth_record.pk}/",
            "/inbox/",
            "/account/profile/",
            "/hotline/",
            "/hotline/new/",
            "/hotline/mine/",
            f"/hotline/cases/{case.ref}/",
            "/hotline/wall/",
            "/hotline/track/",
            f"/ledger/?ref={journeys['birth'].ref}",
        ],
        journeys["names"],
    )
    found |= _english_on(
        founder,
        [f"/applications/{journeys['company'].ref}/", "/credentials/wallet/"],
        journeys["names"],
    )
    tracked = _chinese_client(None).post(
        "/hotline/track/", {"ref": journeys["unsure"].ref, "phone": "13900001111"}
    )
    assert tracked.context["case"] == journeys["unsure"]
    words = english_words(tracked.content.decode(), journeys["names"])
    if words:
        found["/hotline/track/"] = words
    for credential in (birth_record, licence):
        response = _chinese_client(None).post(
            "/credentials/verify/", {"credential": credential_services.qr_of(credential)}
        )
        words = english_words(response.content.decode(), journeys["names"])
        if words:
            found[f"/credentials/verify/ {credential.kind}"] = words

    assert found == {}, "\n".join(f"{path}: {sorted(words)}" for path, words in found.items())


def test_officers_chinese_pages_show_no_codes_or_english(journeys: dict[str, Any]) -> None:
    reviewer = _chinese_client(journeys["reviewer"])
    dispatcher = _chinese_client(journeys["dispatcher"])
    agent = _chinese_client(journeys["agent"])
    names = journeys["names"]

    found = _english_on(
        reviewer,
        [
            "/account/officer/",
            "/applications/work/",
            f"/applications/work/steps/{journeys['step'].pk}/",
        ],
        names,
    )
    assert journeys["unsure"].proposed_category  # the dispatcher sees the classifier's guess
    found |= _english_on(
        dispatcher, ["/hotline/dispatch/", f"/hotline/dispatch/{journeys['unsure'].ref}/"], names
    )
    found |= _english_on(agent, ["/hotline/console/"], names)

    assert found == {}, "\n".join(f"{path}: {sorted(words)}" for path, words in found.items())
