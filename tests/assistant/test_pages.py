"""The assistant's page and API as a resident uses them: a question in Chinese answered
from the guide with its source, a follow-up on the same service, the apply link into the
application form; a question no guide answers handed to the hotline's form, filled in."""

from __future__ import annotations

import re
from html import unescape
from io import StringIO
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from onewindow.assistant import selectors
from onewindow.assistant.models import AskedQuestion, NextStep, Outcome
from onewindow.catalog import selectors as catalog
from onewindow.catalog.seed import seed_catalog
from onewindow.core.models import Division
from tests.identity.factories import citizen

pytestmark = pytest.mark.django_db
MARRIAGE = "330000-CA-HY-001"
PAGE = "/assistant/"
JSON = "application/json"


@pytest.fixture
def services() -> None:
    seed_catalog()


def _ask(client: Client, question: str, **extra: str) -> str:
    response = client.post(PAGE, {"question": question, **extra})
    assert response.status_code == 200
    return response.content.decode()


def _passages(page: str) -> list[str]:
    return [unescape(p) for p in re.findall(r'<blockquote[^>]*data-field="[^"]+">([^<]*)<', page)]


def test_a_chinese_question_is_answered_from_the_marriage_guide_with_its_source(
    services: None,
) -> None:
    page = _ask(Client(), "我们俩想去领结婚证")
    assert "内地居民结婚登记" in page
    version = catalog.current_version(MARRIAGE)
    quoted = _passages(page)
    assert quoted
    assert all(text in version.guide_zh for text in quoted)
    assert f"{MARRIAGE}" in page
    assert f"{version.number}" in page


def test_a_follow_up_keeps_the_service_and_answers_what_it_asks(services: None) -> None:
    client = Client()
    _ask(client, "我们俩想去领结婚证")
    page = _ask(client, "要带什么材料", context=MARRIAGE)
    assert 'data-testid="follow-up-note"' in page
    quoted = _passages(page)
    version = catalog.current_version(MARRIAGE)
    assert quoted
    assert all(text in version.guide_zh for text in quoted)


def test_the_apply_link_opens_the_application_form_and_is_counted(services: None) -> None:
    client = Client()
    page = _ask(client, "marriage registration")
    apply = re.search(r'href="([^"]+)" data-testid="answer-apply"', page)
    assert apply is not None
    response = client.get(apply.group(1))
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:new", args=[MARRIAGE])
    asked = AskedQuestion.objects.get()
    assert asked.next_step == NextStep.APPLY
    assert asked.service_code == MARRIAGE


def test_an_out_of_scope_question_goes_to_the_hotline_form_filled_in(services: None) -> None:
    client = Client()
    page = _ask(client, "我头疼发烧该吃什么药")
    assert 'data-testid="answer-refused"' in page
    assert not _passages(page)
    link = unescape(re.search(r'href="([^"]+)" data-testid="answer-hotline"', page).group(1))  # type: ignore[union-attr]
    assert urlparse(link).path == reverse("grievances:new")
    assert parse_qs(urlparse(link).query) == {
        "kind": ["consultation"],
        "text": ["我头疼发烧该吃什么药"],
    }
    form = client.get(link).content.decode()
    assert "我头疼发烧该吃什么药</textarea>" in form
    assert re.search(r'value="consultation"[^>]*checked', form)


def test_markup_in_a_question_is_shown_as_text_everywhere(services: None) -> None:
    client = Client()
    page = _ask(client, "<script>alert(1)</script> 结婚")
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page
    hotline = client.get(
        reverse("grievances:new") + "?text=%3Cb%3Ehi%3C%2Fb%3E&kind=bogus"
    ).content.decode()
    assert "<b>hi</b>" not in hotline
    assert "&lt;b&gt;hi&lt;/b&gt;" in hotline


@pytest.mark.parametrize("question", ["", "   ", "问" * 501])
def test_an_empty_or_very_long_question_gets_a_clear_message(services: None, question: str) -> None:
    page = _ask(Client(), question)
    assert 'class="usa-error-message"' in page
    assert 'data-testid="assistant-answer"' not in page


def test_the_log_keeps_questions_without_the_person_and_lists_those_to_learn_from(
    services: None, divisions: dict[str, Division]
) -> None:
    client = Client()
    client.force_login(citizen(divisions["community"]))
    _ask(client, "我叫李四，电话13800001111，我想去月球")
    _ask(client, "marriage registration")
    rows = list(AskedQuestion.objects.values_list("text", "outcome"))
    assert ("我叫＊，电话＊，我想去月球", Outcome.NO_MATCH) in rows
    assert all("13800001111" not in text for text, _ in rows)
    learn = selectors.questions_to_learn_from()
    assert [row[0] for row in learn] == ["我叫＊，电话＊，我想去月球"]


def test_the_api_answers_with_passages_and_problems_for_bad_questions(services: None) -> None:
    client = Client()
    url = "/api/v1/assistant/answers"
    answered = client.post(
        url, {"question": "marriage registration"}, content_type="application/json"
    )
    body = answered.json()
    assert answered.status_code == 200
    assert body["outcome"] == "answered"
    assert body["service"]["code"] == MARRIAGE
    version = catalog.current_version(MARRIAGE)
    assert all(p["text"] in getattr(version, p["field"]) for p in body["passages"])
    follow = client.post(
        url,
        {"question": "how much does it cost?", "context": MARRIAGE},
        content_type="application/json",
    ).json()
    assert follow["is_follow_up"]
    assert follow["topic"] == "Fee"
    refused = client.post(
        url, {"question": "will I win my court case"}, content_type="application/json"
    ).json()
    assert refused["outcome"] == "out_of_scope"
    assert refused["service"] is None
    assert "text=will+I+win" in refused["hotline_url"]
    empty = client.post(url, {"question": " "}, content_type="application/json")
    assert empty.status_code == 400
    assert empty["Content-Type"] == "application/problem+json"
    assert empty.json()["type"].endswith("empty_question")


def test_questions_are_rate_limited_per_address(services: None, settings: object) -> None:
    settings.ONEWINDOW_RATE_LIMITS = {  # type: ignore[attr-defined]
        **settings.ONEWINDOW_RATE_LIMITS,  # type: ignore[attr-defined]
        "assistant.address": "2 per 10 minutes",
    }
    cache.clear()
    client = Client()
    url = "/api/v1/assistant/answers"
    for _ in range(2):
        ok = client.post(url, {"question": "marriage"}, content_type="application/json")
        assert ok.status_code == 200
    limited = client.post(url, {"question": "marriage"}, content_type="application/json")
    assert limited.status_code == 429
    assert limited["Retry-After"]
    assert client.post(PAGE, {"question": "marriage"}).status_code == 429


def test_a_resident_says_an_answer_was_not_useful_and_the_editors_see_it(
    services: None,
) -> None:
    client = Client()
    page = _ask(client, "marriage registration")
    token = re.search(r'action="/assistant/answers/([^/]+)/rating/"', page).group(1)  # type: ignore[union-attr]
    response = client.post(f"/assistant/answers/{token}/rating/", {"useful": "no"}, follow=True)
    assert "Thank you" in response.content.decode()
    assert AskedQuestion.objects.get().is_useful is False
    assert [row[0] for row in selectors.questions_to_learn_from()] == ["marriage registration"]
    api = client.post(
        f"/api/v1/assistant/answers/{token}/rating", {"useful": True}, content_type=JSON
    )
    assert api.json() == {"token": token, "useful": True}
    assert client.post("/assistant/answers/nothing/rating/", {"useful": "no"}).status_code == 404


def test_the_evaluate_command_prints_the_figures_of_the_published_catalogue(
    services: None,
) -> None:
    out = StringIO()
    call_command("assistant", "evaluate", "--split", "dev", "--sample", "12", stdout=out)
    printed = out.getvalue()
    assert "top-1 accuracy" in printed
    assert "(8 services)" in printed
    assert "unsupported statements 0 of" in printed


def test_a_signed_in_residents_situation_comes_from_their_account(
    services: None, divisions: dict[str, Division]
) -> None:
    villager = citizen(divisions["village"], username="old-villager")
    villager.birth_year = 1950
    villager.save(update_fields=["birth_year"])
    situation = selectors.situation_of(villager)
    assert situation.division_level == divisions["village"].level
    assert situation.age is not None
    assert situation.age >= 70
    assert situation.is_business is False
    assert situation.open_codes == frozenset()
    anonymous = selectors.situation_of(None, divisions["township"].code)
    assert anonymous.division_level == divisions["township"].level
    assert anonymous.is_business is None


def test_the_demo_log_shows_what_to_learn_from(services: None) -> None:
    from onewindow.demo.assistant import QUESTIONS, seed_assistant_questions

    assert seed_assistant_questions() == len(QUESTIONS)
    assert seed_assistant_questions() == 0
    assert AskedQuestion.objects.count() == len(QUESTIONS)
    assert selectors.questions_to_learn_from()
