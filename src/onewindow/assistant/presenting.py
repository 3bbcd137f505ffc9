"""An answer as pages and the API show it: each passage with what it is and where it is
from, in the language of the question; labels in the page's language."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onewindow.assistant.answering import Outcome
from onewindow.assistant.services import Asked

SOURCE_LABELS: dict[str, str | Promise] = {
    "guide": _("Service guide"),
    "hall": _("Where to go"),
    "hours": _("Opening hours"),
    "conditions": _("Who may apply"),
    "legal_basis": _("Legal basis"),
}
ASPECT_LABELS: dict[str, str | Promise] = {
    "": _("Overview"),
    "fee": _("Fee"),
    "time": _("Time limit"),
    "materials": _("Materials"),
    "where": _("Where to go"),
    "hours": _("Opening hours"),
    "law": _("Legal basis"),
    "conditions": _("Who may apply"),
    "online": _("Online or at the window"),
    "visits": _("Visits"),
    "result": _("What you receive"),
}


@dataclass(frozen=True)
class ShownPassage:
    source: str  # the label of the field it is from
    field: str
    text: str


@dataclass(frozen=True)
class Shown:
    outcome: str
    code: str = ""
    name: str = ""
    version: int = 0
    language: str = ""  # of the passages: "zh-Hans" or "en"
    topic: str = ""
    passages: tuple[ShownPassage, ...] = ()
    may_apply_online: bool = False
    guide_url: str = ""
    apply_url: str = ""
    alternatives: tuple[tuple[str, str, str], ...] = ()  # code, name, guide URL
    is_follow_up: bool = False
    more: bool = False


def present(asked: Asked, *, page_language: str) -> Shown:
    given = asked.answer
    document = given.document
    if given.outcome != Outcome.ANSWERED or document is None:
        return Shown(outcome=given.outcome.value)
    language = given.language
    return Shown(
        outcome=given.outcome.value,
        code=document.code,
        name=document.name(language),
        version=document.version,
        language="zh-Hans" if language == "zh" else "en",
        topic=str(ASPECT_LABELS.get(given.aspect, "")),
        passages=tuple(
            ShownPassage(str(SOURCE_LABELS.get(p.kind, p.kind)), p.field, p.text)
            for p in given.passages
        ),
        may_apply_online=document.is_filed_online,
        guide_url=reverse("assistant:go", args=[asked.token, "guide"]),
        apply_url=reverse("assistant:go", args=[asked.token, "apply"]),
        alternatives=tuple(
            (d.code, d.name(language), reverse("catalog:guide", args=[d.code]))
            for d in given.alternatives
        ),
        is_follow_up=given.is_follow_up,
        more=given.more,
    )
