"""Workflow definitions: a good one parses; a bad one is refused naming the wrong line."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onewindow.catalog.workflow_definition import WorkflowDefinitionError, parse_workflow
from tests.applications.test_workflow_state_machine import workflow_texts

# ruff: noqa: E501 -- definitions are one statement per line, as editors write them

GOOD = """
# company establishment, shortened
workflow remind_before=1
step a name_zh="登记" name_en="Registration" role=reviewer department=market_supervision level=county sla=1
step b name_zh="刻章" name_en="Seals" role=reviewer department=public_security level=county sla=2
step c name_zh="汇总" name_en="Decision" role=approver department=market_supervision level=city sla=1 after=a,b join=any when='employees != 0'
"""


def test_a_good_definition_reads_back_what_it_says() -> None:
    workflow = parse_workflow(GOOD)

    assert [step.key for step in workflow.initial_steps()] == ["a", "b"]
    decision = workflow.step("c")
    assert decision.after == ("a", "b")
    assert decision.join == "any"
    assert decision.when is not None
    assert decision.when.holds({"employees": 3})
    assert not decision.when.holds({"employees": 0})
    assert workflow.total_sla_days == 3
    assert workflow.remind_before_days == 1


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("step x role=reviewer", "lacks"),
        ("step x name_zh=a name_en=b role=boss department=health level=city sla=1", "unknown role"),
        ("step x name_zh=a name_en=b role=reviewer department=mars level=city sla=1", "department"),
        ("step x name_zh=a name_en=b role=reviewer department=health level=moon sla=1", "level"),
        ("step x name_zh=a name_en=b role=reviewer department=health level=city sla=0", "sla"),
        (
            "step x name_zh=a name_en=b role=reviewer department=health level=city sla=1 after=z",
            "after",
        ),
        (
            "step x name_zh=a name_en=b role=reviewer department=health level=city sla=1 join=all",
            "join",
        ),
        (
            'step x name_zh=a name_en=b role=reviewer department=health level=city sla=1 when="x > 1"',
            "condition",
        ),
        (
            'step x name_zh=a name_en=b role=reviewer department=health level=city sla=1 when="x == nope"',
            "JSON",
        ),
        ('step x name_zh="unclosed', "cannot read"),
        ("stride x", "unknown statement"),
        ("step a name_zh=a name_en=b role=reviewer department=health level=city sla=1", "twice"),
    ],
)
def test_a_bad_line_is_refused_with_its_number(line: str, reason: str) -> None:
    text = (
        "workflow\nstep a name_zh=a name_en=b role=reviewer department=health level=city sla=1\n"
        + line
    )

    with pytest.raises(WorkflowDefinitionError) as refused:
        parse_workflow(text)

    assert refused.value.line == 3
    assert str(refused.value).startswith("line 3:")
    assert reason in str(refused.value)


def test_an_empty_definition_is_refused() -> None:
    with pytest.raises(WorkflowDefinitionError):
        parse_workflow("workflow remind_before=1\n# nothing else")


@given(workflow_texts())
def test_every_generated_definition_parses_and_never_loops(text: str) -> None:
    workflow = parse_workflow(text)
    seen: set[str] = set()
    for step in workflow.steps:  # `after` only ever names earlier steps
        assert set(step.after) <= seen
        seen.add(step.key)
    assert workflow.total_sla_days <= 3 * len(workflow.steps)


@given(workflow_texts(), st.data())
def test_breaking_any_step_line_is_reported_at_that_line(text: str, data: st.DataObject) -> None:
    lines = text.splitlines()
    target = data.draw(st.integers(min_value=2, max_value=len(lines)))
    lines[target - 1] = lines[target - 1].replace("role=", "role=x")

    with pytest.raises(WorkflowDefinitionError) as refused:
        parse_workflow("\n".join(lines))

    assert refused.value.line == target


def test_reminders_cannot_start_more_than_five_working_days_ahead() -> None:
    with pytest.raises(WorkflowDefinitionError) as refused:
        parse_workflow("workflow remind_before=9\n" + GOOD.split("\n", 3)[3])
    assert refused.value.line == 1
