"""The assistant's use cases: answer a question (and log it, made anonymous), and record
which next step the resident took from an answer."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from onewindow.assistant import selectors
from onewindow.assistant.answering import MAX_QUESTION, Answer, answer, language_of
from onewindow.assistant.models import AskedQuestion, NextStep
from onewindow.assistant.text import desensitise
from onewindow.core.errors import DomainError, NotFound
from onewindow.identity.models import User

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Asked:
    answer: Answer
    token: str  # names the logged question in the answer's links


def check_question(question: str) -> str:
    """The question stripped; DomainError when it is empty or too long to be one question."""
    question = question.strip()
    if not question:
        raise DomainError(_("Please type your question."), code="empty_question", field="question")
    if len(question) > MAX_QUESTION:
        raise DomainError(
            _("Please ask in %(max)d characters at most: one question at a time."),
            code="question_too_long",
            field="question",
            params={"max": MAX_QUESTION},
        )
    return question


def ask(
    question: str,
    *,
    user: User | None = None,
    division_code: str = "",
    context_code: str = "",
    language: str = "",
    brief: bool = False,
) -> Asked:
    """Answer `question` from the published catalogue and log it without personal data.

    `context_code` is the service of the previous answer in the conversation (a follow-up
    keeps it); `brief` gives elder mode's short answers. Raises DomainError for an empty or
    over-long question or an unknown language.
    """
    question = check_question(question)
    if language and language not in LANGUAGES:
        raise DomainError(_("Ask in Chinese or English."), code="language", field="language")
    index = selectors.catalogue_index()
    if context_code and index.document(context_code) is None:
        context_code = ""  # a service withdrawn since the previous answer: start afresh
    given = answer(
        question,
        index,
        language=language or language_of(question),
        situation=selectors.situation_of(user, division_code),
        context_code=context_code,
        brief=brief,
    )
    token = secrets.token_urlsafe(12)
    with transaction.atomic():
        AskedQuestion.objects.create(
            token=token,
            text=desensitise(question)[:MAX_QUESTION],
            language=given.language,
            outcome=given.outcome.value,
            service_code=given.document.code if given.document else "",
            aspect=given.aspect,
            is_follow_up=given.is_follow_up,
        )
    return Asked(answer=given, token=token)


def rate(token: str, *, is_useful: bool) -> AskedQuestion:
    """The resident says whether the answer `token` was useful (the last word counts); a
    "no" sends the question to the editors' list. Raises NotFound for an unknown token."""
    with transaction.atomic():
        updated = AskedQuestion.objects.filter(token=token).update(is_useful=is_useful)
        if not updated:
            raise NotFound(_("No such answer."), field="token")
        return AskedQuestion.objects.get(token=token)


def follow(token: str, step: str) -> AskedQuestion:
    """Record that the resident took `step` (apply, guide) from the answer `token`;
    the first step counts. Raises NotFound for an unknown token or step."""
    if step not in NextStep.values:
        raise NotFound(_("No such answer."), field="token")
    with transaction.atomic():
        asked = AskedQuestion.objects.select_for_update().filter(token=token).first()
        if asked is None:
            raise NotFound(_("No such answer."), field="token")
        if not asked.next_step:
            asked.next_step = step
            asked.save(update_fields=["next_step"])
    return asked
