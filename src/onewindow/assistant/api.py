"""The assistant over JSON: POST /api/v1/assistant/answers (anyone; rate limited like the
other public writes). The answer carries its source passages, word for word, and the
addresses of the next steps; without an answer, the hotline's form with the question."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Field, Router, Schema

from onewindow.assistant import presenting, services
from onewindow.assistant.answering import MAX_QUESTION
from onewindow.assistant.views import hotline_url
from onewindow.core import ratelimit
from onewindow.core.errors import documented_problems
from onewindow.identity.models import User

router = Router(tags=["assistant"])


class QuestionIn(Schema):
    question: str = Field(
        ..., description=f"In Chinese or English, {MAX_QUESTION} characters at most"
    )
    context: str = Field(
        "", max_length=32, description="The service code of the previous answer (a follow-up)"
    )
    division: str = Field("", max_length=12, description="Where the resident lives (a code)")
    language: str = Field("", description="zh or en; by default the question's language")
    brief: bool = Field(False, description="A short answer (elder mode)")


class PassageOut(Schema):
    source: str
    field: str = Field(..., description="The field of the cited version that holds the text")
    text: str = Field(..., description="Word for word from that field")


class ServiceOut(Schema):
    code: str
    name: str
    version: int
    guide_url: str
    apply_url: str | None


class AlternativeOut(Schema):
    code: str
    name: str
    guide_url: str


class AnswerOut(Schema):
    token: str
    question: str
    language: str
    outcome: str = Field(..., description="answered, no_match or out_of_scope")
    service: ServiceOut | None
    topic: str
    passages: list[PassageOut]
    alternatives: list[AlternativeOut]
    is_follow_up: bool
    hotline_url: str = Field(..., description="The hotline's form, the question filled in")


class AnswerRatingIn(Schema):
    useful: bool


class AnswerRatingOut(Schema):
    token: str
    useful: bool


@router.post(
    "/assistant/answers/{token}/rating",
    response=AnswerRatingOut,
    auth=None,
    summary="Say whether an answer was useful (a no goes to the catalogue editors' list)",
)
def rate(request: HttpRequest, token: str, body: AnswerRatingIn) -> dict[str, Any]:
    services.rate(token, is_useful=body.useful)
    return {"token": token, "useful": body.useful}


@router.post(
    "/assistant/answers",
    response=AnswerOut,
    auth=None,
    summary="Ask the service assistant: an answer from the catalogue, with its source",
    openapi_extra=documented_problems(429),
)
def answer(request: HttpRequest, body: QuestionIn) -> dict[str, Any]:
    user = request.user if isinstance(request.user, User) else None
    ratelimit.hit_requester(
        request,
        per_address=ratelimit.ASSISTANT_PER_ADDRESS,
        per_account=ratelimit.ASSISTANT_PER_ACCOUNT,
    )
    asked = services.ask(
        body.question,
        user=user,
        division_code=body.division,
        context_code=body.context,
        language=body.language,
        brief=body.brief,
    )
    shown = presenting.present(asked, page_language=get_language() or "en")
    return {
        "token": asked.token,
        "question": asked.answer.question,
        "language": asked.answer.language,
        "outcome": shown.outcome,
        "service": {
            "code": shown.code,
            "name": shown.name,
            "version": shown.version,
            "guide_url": shown.guide_url,
            "apply_url": shown.apply_url if shown.may_apply_online else None,
        }
        if shown.code
        else None,
        "topic": shown.topic,
        "passages": [vars(p) for p in shown.passages],
        "alternatives": [
            {"code": code, "name": name, "guide_url": url} for code, name, url in shown.alternatives
        ],
        "is_follow_up": shown.is_follow_up,
        "hotline_url": hotline_url(asked.answer.question),
    }
