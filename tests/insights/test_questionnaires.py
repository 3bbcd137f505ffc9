"""Questionnaire checks: errors name the question and the rule."""

from __future__ import annotations

import copy

import pytest

from onewindow.insights import questionnaires
from onewindow.insights.questionnaires import QuestionnaireRefused


def test_the_standard_questionnaire_passes() -> None:
    questionnaires.check(questionnaires.STANDARD)


def test_a_skip_logic_cycle_is_refused_naming_it() -> None:
    questions = copy.deepcopy(questionnaires.STANDARD)
    questions[0]["show_if"] = {"key": "ease_find", "equals": "3"}

    with pytest.raises(QuestionnaireRefused, match="used_online → ease_find → used_online"):
        questionnaires.check(questions)


def test_an_unknown_type_is_refused_naming_the_row() -> None:
    questions = copy.deepcopy(questionnaires.STANDARD)
    questions[2]["type"] = "geopoint"

    with pytest.raises(QuestionnaireRefused, match=r"Question 3 \(ease_file\): unknown type"):
        questionnaires.check(questions)


def test_skipped_questions_are_dropped_and_shown_ones_required() -> None:
    answers = questionnaires.clean_answers(
        questionnaires.STANDARD,
        {"used_online": "no", "ease_find": "5", "satisfaction": "4", "visits": "2"},
    )

    assert answers == {"used_online": "no", "satisfaction": 4, "visits": 2}
    with pytest.raises(QuestionnaireRefused) as refused:
        questionnaires.clean_answers(
            questionnaires.STANDARD, {"used_online": "yes", "satisfaction": "4", "visits": "1"}
        )
    assert refused.value.field == "ease_find"


@pytest.mark.parametrize(
    "broken",
    [
        [],
        ["not a question"],
        [{**questionnaires.STANDARD[0], "options": [1, 2]}],
        [{**questionnaires.STANDARD[0], "show_if": "used_online"}],
    ],
)
def test_malformed_questions_are_refused_not_crashed_on(broken: list[object]) -> None:
    with pytest.raises(QuestionnaireRefused):
        questionnaires.check(broken)  # type: ignore[arg-type]
