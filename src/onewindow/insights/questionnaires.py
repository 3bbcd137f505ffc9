"""Questionnaires as data: the question types, skip logic, the checks (errors name the question
and the rule) and the standard questionnaire of the digital-government study."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import DomainError
from onewindow.core.text_input import ascii_int

TYPES = ("likert", "single", "multiple", "number", "text")
LIKERT = [1, 2, 3, 4, 5]


class QuestionnaireRefused(DomainError):
    code = "questionnaire_invalid"


def _refuse(message: Any, **params: Any) -> QuestionnaireRefused:
    return QuestionnaireRefused(message, field="questions", params=params)


def check(questions: list[dict[str, Any]]) -> None:
    """Refuse unknown types, missing words, duplicate keys, skip rules naming an unknown
    question or an answer the question does not offer, and skip-logic cycles."""
    keys: dict[str, dict[str, Any]] = {}
    if not questions or len(questions) > 200:
        raise _refuse(_("A questionnaire has from 1 to 200 questions."))
    for number, question in enumerate(questions, start=1):
        if not isinstance(question, dict):
            raise _refuse(_("Question %(row)s is not a question."), row=number)
        options = question.get("options", [])
        rule = question.get("show_if")
        if (
            not isinstance(options, list)
            or not all(
                isinstance(o, dict)
                and all(isinstance(o.get(k), str) for k in ("value", "zh", "en"))
                for o in options
            )
            or (
                rule is not None
                and not (isinstance(rule, dict) and isinstance(rule.get("key"), str))
            )
            or not all(
                isinstance(question.get(k, ""), str) and len(question.get(k, "")) <= 500
                for k in ("key", "text_zh", "text_en")
            )
        ):
            raise _refuse(
                _("Question %(row)s: options need value, zh and en; a skip rule needs a key."),
                row=number,
            )
        key = question.get("key", "")
        if not isinstance(key, str) or not key.isidentifier():
            raise _refuse(
                _("Question %(row)s: the key must be a name (letters, digits, _)."), row=number
            )
        if key in keys:
            raise _refuse(
                _("Question %(row)s: the key %(key)s is used twice."), row=number, key=key
            )
        if question.get("type") not in TYPES:
            raise _refuse(
                _("Question %(row)s (%(key)s): unknown type %(type)s; known: %(known)s."),
                row=number,
                key=key,
                type=question.get("type"),
                known=", ".join(TYPES),
            )
        if not question.get("text_zh") or not question.get("text_en"):
            raise _refuse(
                _("Question %(row)s (%(key)s) needs its words in Chinese and English."),
                row=number,
                key=key,
            )
        if question["type"] in ("single", "multiple") and not question.get("options"):
            raise _refuse(_("Question %(row)s (%(key)s) needs its options."), row=number, key=key)
        keys[key] = question
    for number, question in enumerate(questions, start=1):
        rule = question.get("show_if")
        if not rule:
            continue
        target = keys.get(rule.get("key", ""))
        if target is None:
            raise _refuse(
                _("Question %(row)s (%(key)s): the skip rule names no question %(target)s."),
                row=number,
                key=question["key"],
                target=rule.get("key"),
            )
        offered = {str(o["value"]) for o in target.get("options", [])} or {str(v) for v in LIKERT}
        if str(rule.get("equals")) not in offered:
            raise _refuse(
                _("Question %(row)s (%(key)s): %(target)s never answers %(value)s."),
                row=number,
                key=question["key"],
                target=target["key"],
                value=rule.get("equals"),
            )
    for question in questions:  # follow each chain of rules: a repeat is a cycle
        seen = [question["key"]]
        rule = question.get("show_if")
        while rule:
            if rule["key"] in seen:
                raise _refuse(
                    _("Skip logic goes round in a circle: %(cycle)s."),
                    cycle=" → ".join([*seen, rule["key"]]),
                )
            seen.append(rule["key"])
            rule = keys[rule["key"]].get("show_if")


def shown(question: dict[str, Any], answers: dict[str, Any]) -> bool:
    rule = question.get("show_if")
    return not rule or str(answers.get(rule["key"])) == str(rule["equals"])


def text(question: dict[str, Any]) -> str:
    return str(question["text_zh" if (get_language() or "").startswith("zh") else "text_en"])


def option_label(option: dict[str, Any]) -> str:
    return str(option["zh" if (get_language() or "").startswith("zh") else "en"])


def clean_answers(questions: list[dict[str, Any]], raw: dict[str, Any]) -> dict[str, Any]:
    """The answers kept: each shown question's answer parsed by its type (skipped ones
    dropped); a shown question left empty is refused, naming it."""
    answers: dict[str, Any] = {}
    for question in questions:
        if not shown(question, answers):
            continue
        key, kind = question["key"], question["type"]
        value = raw.get(key)
        if value in (None, "", []):
            if kind == "text":
                continue
            raise QuestionnaireRefused(
                _("Please answer: %(question)s"), field=key, params={"question": text(question)}
            )
        if kind == "likert":
            if str(value) not in {str(v) for v in LIKERT}:
                raise QuestionnaireRefused(_("Choose 1 to 5."), field=key)
            answers[key] = int(str(value))
        elif kind == "number":
            number = ascii_int(str(value).strip(), maximum=1000)
            if number is None:
                raise QuestionnaireRefused(_("Enter a whole number from 0 to 1000."), field=key)
            answers[key] = number
        elif kind == "single":
            if str(value) not in {str(o["value"]) for o in question["options"]}:
                raise QuestionnaireRefused(_("Choose one of the options."), field=key)
            answers[key] = str(value)
        elif kind == "multiple":
            values = [str(v) for v in (value if isinstance(value, list) else [value])]
            if not set(values) <= {str(o["value"]) for o in question["options"]}:
                raise QuestionnaireRefused(_("Choose among the options."), field=key)
            answers[key] = values
        else:
            answers[key] = str(value)[:2000]
    return answers


YES_NO = [{"value": "yes", "zh": "是", "en": "Yes"}, {"value": "no", "zh": "否", "en": "No"}]

# The standard questionnaire of the study: a four-item ease scale (α is reported for it).
STANDARD: list[dict[str, Any]] = [
    {
        "key": "used_online",
        "type": "single",
        "text_zh": "过去一年您是否在网上办过政务服务？",
        "text_en": "Have you used a government service online in the past year?",
        "options": YES_NO,
    },
    {
        "key": "ease_find",
        "type": "likert",
        "scale": "ease",
        "text_zh": "在网上找到要办的事项很容易。",
        "text_en": "Finding the service I need online is easy.",
        "show_if": {"key": "used_online", "equals": "yes"},
    },
    {
        "key": "ease_file",
        "type": "likert",
        "scale": "ease",
        "text_zh": "在网上提交申请很容易。",
        "text_en": "Filing an application online is easy.",
        "show_if": {"key": "used_online", "equals": "yes"},
    },
    {
        "key": "ease_track",
        "type": "likert",
        "scale": "ease",
        "text_zh": "在网上查看办理进度很容易。",
        "text_en": "Following my application online is easy.",
        "show_if": {"key": "used_online", "equals": "yes"},
    },
    {
        "key": "ease_trust",
        "type": "likert",
        "scale": "ease",
        "text_zh": "我放心平台使用我的个人信息。",
        "text_en": "I trust the platform with my personal data.",
        "show_if": {"key": "used_online", "equals": "yes"},
    },
    {
        "key": "satisfaction",
        "type": "likert",
        "text_zh": "总体而言，您对政务服务满意吗？（1 很不满意 – 5 很满意）",
        "text_en": (
            "Overall, how satisfied are you with government services? "
            "(1 very dissatisfied – 5 very satisfied)"
        ),
    },
    {
        "key": "visits",
        "type": "number",
        "text_zh": "办最近一件事，您去了几次办事大厅？",
        "text_en": "For your last matter, how many times did you go to a service hall?",
    },
    {
        "key": "comment",
        "type": "text",
        "text_zh": "还有什么想说的吗？",
        "text_en": "Anything else you would like to tell us?",
    },
]
