"""Declarative workflow definitions: how a service's application moves between departments.

A definition is text, one statement per line (shell-style quoting, `#` comments):

    workflow remind_before=1
    step register name_zh="设立登记" name_en="Company registration" role=reviewer
         department=market_supervision level=county sla=1
    step seal name_zh="印章刻制" name_en="Seal engraving" role=approver
         department=public_security level=county sla=1 after=register
    step review ... after=seal,tax join=any when="has_employees == true"

(a statement is one line; it is wrapped above only for reading). Steps without `after`
start when the application is submitted; a step with `after` starts when all (`join=all`,
the default) or any (`join=any`) of the earlier steps it names are done. `when` compares a
form field with a JSON value (`==`, `!=`, `in [..]`); a step whose condition does not hold is
skipped. `after` may only name steps defined above it, so a definition can never loop.
`issues=project_code` on a step gives the application its investment-project code when the
step is approved (the acceptance of an investment project, 受理赋码).
`parse_workflow` checks everything when an item is published and names the wrong line.
"""

from __future__ import annotations

import functools
import json
import shlex
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import get_language

from onewindow.core.divisions import Level
from onewindow.identity.models import DepartmentKind, Role

MAX_SLA_DAYS = 60
MAX_REMIND_BEFORE_DAYS = 5
LEVELS_BY_NAME = {level.name.lower(): Level(level.value) for level in Level}
STEP_OPTIONS = {
    "name_zh", "name_en", "role", "department", "level", "sla", "after", "join", "when", "issues",
}  # fmt: skip
# What approving a step may give the application (`issues=`).
STEP_ISSUES = ("project_code",)
REQUIRED_STEP_OPTIONS = {"name_zh", "name_en", "role", "department", "level", "sla"}


class WorkflowDefinitionError(ValueError):
    """A definition that cannot run; `line` is 1-based (0 when the text as a whole is wrong)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line
        self.reason = message


@dataclass(frozen=True)
class Condition:
    field: str
    operator: Literal["==", "!=", "in"]
    value: Any

    def holds(self, form_data: dict[str, Any]) -> bool:
        actual = form_data.get(self.field)
        if self.operator == "==":
            return bool(actual == self.value)
        if self.operator == "!=":
            return bool(actual != self.value)
        return actual in self.value


@dataclass(frozen=True)
class StepDefinition:
    key: str
    name_zh: str
    name_en: str
    role: str
    department_kind: str
    level: Level
    sla_days: int
    after: tuple[str, ...] = ()
    join: Literal["all", "any"] = "all"
    when: Condition | None = None
    issues: str = ""
    line: int = 0

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


@dataclass(frozen=True)
class WorkflowDefinition:
    steps: tuple[StepDefinition, ...]
    remind_before_days: int = 1
    _by_key: dict[str, StepDefinition] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_key.update({step.key: step for step in self.steps})

    def step(self, key: str) -> StepDefinition:
        return self._by_key[key]

    def initial_steps(self) -> list[StepDefinition]:
        return [step for step in self.steps if not step.after]

    def successors(self, key: str) -> list[StepDefinition]:
        return [step for step in self.steps if key in step.after]

    @property
    def total_sla_days(self) -> int:
        """The longest chain of SLAs: what the workflow takes when every step uses its time."""
        longest: dict[str, int] = {}
        for step in self.steps:  # `after` only names earlier steps, so one pass suffices
            longest[step.key] = step.sla_days + max((longest[key] for key in step.after), default=0)
        return max(longest.values())


def _parse_condition(text: str, line: int) -> Condition:
    for operator in ("==", "!=", " in "):
        name, found, raw = text.partition(operator)
        if not found:
            continue
        name = name.strip()
        if not name.isidentifier():
            raise WorkflowDefinitionError(line, f"condition field {name!r} is not a field name")
        try:
            value = json.loads(raw.strip())
        except json.JSONDecodeError:
            raise WorkflowDefinitionError(
                line, f"condition value {raw.strip()!r} is not JSON (strings need double quotes)"
            ) from None
        if operator == " in " and not isinstance(value, list):
            raise WorkflowDefinitionError(line, '`in` needs a JSON list, e.g. ["a", "b"]')
        return Condition(name, "in" if operator == " in " else operator, value)  # type: ignore[arg-type]
    raise WorkflowDefinitionError(line, f"condition {text!r} needs ==, != or in")


def _parse_step(words: list[str], line: int, known: dict[str, StepDefinition]) -> StepDefinition:
    if len(words) < 2 or "=" in words[1]:
        raise WorkflowDefinitionError(line, "a step needs a key: step KEY option=value ...")
    key = words[1]
    if not key.isidentifier():
        raise WorkflowDefinitionError(line, f"step key {key!r} must be a name (letters, _, digits)")
    if key in known:
        raise WorkflowDefinitionError(line, f"step {key!r} is defined twice")
    options: dict[str, str] = {}
    for word in words[2:]:
        name, equals, value = word.partition("=")
        if not equals:
            raise WorkflowDefinitionError(line, f"{word!r} is not option=value")
        if name not in STEP_OPTIONS:
            raise WorkflowDefinitionError(line, f"unknown option {name!r}")
        options[name] = value
    missing = sorted(REQUIRED_STEP_OPTIONS - options.keys())
    if missing:
        raise WorkflowDefinitionError(line, f"step {key!r} lacks {', '.join(missing)}")
    if options["role"] not in Role.values:
        raise WorkflowDefinitionError(line, f"unknown role {options['role']!r}")
    if options["department"] not in DepartmentKind.values:
        raise WorkflowDefinitionError(line, f"unknown department kind {options['department']!r}")
    if options["level"] not in LEVELS_BY_NAME:
        raise WorkflowDefinitionError(
            line, f"unknown level {options['level']!r} (one of {', '.join(LEVELS_BY_NAME)})"
        )
    sla = options["sla"]
    if not sla.isdigit() or not 1 <= int(sla) <= MAX_SLA_DAYS:
        raise WorkflowDefinitionError(
            line, f"sla must be a whole number of working days from 1 to {MAX_SLA_DAYS}"
        )
    after = tuple(name for name in options.get("after", "").split(",") if name)
    for earlier in after:
        if earlier not in known:
            raise WorkflowDefinitionError(
                line, f"after={earlier!r} does not name a step defined above this one"
            )
    join = options.get("join", "all")
    if join not in ("all", "any"):
        raise WorkflowDefinitionError(line, "join must be all or any")
    if "join" in options and len(after) < 2:
        raise WorkflowDefinitionError(line, "join only makes sense after two or more steps")
    issues = options.get("issues", "")
    if issues and issues not in STEP_ISSUES:
        raise WorkflowDefinitionError(
            line, f"issues must be one of {', '.join(STEP_ISSUES)}, not {issues!r}"
        )
    return StepDefinition(
        key=key,
        name_zh=options["name_zh"],
        name_en=options["name_en"],
        role=options["role"],
        department_kind=options["department"],
        level=LEVELS_BY_NAME[options["level"]],
        sla_days=int(sla),
        after=after,
        join=join,  # type: ignore[arg-type]
        when=_parse_condition(options["when"], line) if "when" in options else None,
        issues=issues,
        line=line,
    )


@functools.lru_cache(maxsize=512)
def parse_workflow(text: str) -> WorkflowDefinition:
    """Parse and check a definition. Raises WorkflowDefinitionError naming the wrong line.

    Cached by text, for readers that hold only the text (the catalogue's guide); the
    applications engine keeps its own cache per service version."""
    steps: dict[str, StepDefinition] = {}
    remind_before = 1
    seen_header = False
    for number, raw in enumerate(text.splitlines(), start=1):
        try:
            words = shlex.split(raw, comments=True)
        except ValueError as error:
            raise WorkflowDefinitionError(number, f"cannot read the line ({error})") from None
        if not words:
            continue
        if words[0] == "workflow":
            if seen_header or steps:
                raise WorkflowDefinitionError(number, "`workflow` must be the first statement")
            seen_header = True
            for word in words[1:]:
                name, _equals, value = word.partition("=")
                if name != "remind_before" or not value.isdigit():
                    raise WorkflowDefinitionError(
                        number, f"{word!r}: the header takes remind_before=DAYS"
                    )
                if int(value) > MAX_REMIND_BEFORE_DAYS:
                    raise WorkflowDefinitionError(
                        number, f"remind_before can be at most {MAX_REMIND_BEFORE_DAYS} days"
                    )
                remind_before = int(value)
        elif words[0] == "step":
            step = _parse_step(words, number, steps)
            steps[step.key] = step
        else:
            raise WorkflowDefinitionError(
                number, f"unknown statement {words[0]!r} (expected workflow or step)"
            )
    if not steps:
        raise WorkflowDefinitionError(0, "a workflow needs at least one step")
    return WorkflowDefinition(tuple(steps.values()), remind_before_days=remind_before)
