"""What the platform accepts as text from outside, and what it writes into XML.

Text is refused, naming the rule, when it holds a lone surrogate (half of a UTF-16 pair:
JSON can say "\\ud800", no encoder can store it) or a control character (NUL cannot be
stored by PostgreSQL; the others break XML and terminals). Tab, newline and carriage
return are kept where text may span lines (form and JSON bodies), refused where it may
not (query strings, paths). Numbers in query strings and form fields are ASCII digits only:
`str.isdigit` and `int` also accept "²" and "٣". Text written into XML loses every
character XML 1.0 forbids, so even a row stored before these rules cannot break a feed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LONE_SURROGATE = "lone_surrogate"
CONTROL_CHARACTER = "control_character"
NOT_A_NUMBER = "not_a_number"

# C0 and C1 controls, DEL, the surrogates and the two noncharacters XML 1.0 excludes.
_FORBIDDEN_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_FORBIDDEN_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# XML 1.0 §2.2 Char: what may appear in a document at all (C1 controls are allowed there).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ASCII_DIGITS = re.compile(r"[0-9]{1,18}")  # below 2**63: every database stores it


@dataclass(frozen=True)
class Refusal:
    """Why a text was refused: the rule (a stable code) and the character (e.g. U+000B)."""

    code: str
    character: str

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.character):04X}"

    def message(self, field: str) -> str:
        template: Promise
        if self.code == LONE_SURROGATE:
            template = _(
                "“%(field)s” holds half of a UTF-16 surrogate pair (%(codepoint)s), which is "
                "not a character: send the text as valid Unicode."
            )
        else:
            template = _(
                "“%(field)s” holds a control character (%(codepoint)s), which is not "
                "accepted: remove it."
            )
        return str(template) % {"field": field, "codepoint": self.codepoint}


def refusal(text: str, *, multiline: bool = True) -> Refusal | None:
    """The first rule `text` breaks, or None. `multiline` keeps tab, newline and CR."""
    found = (_FORBIDDEN_MULTILINE if multiline else _FORBIDDEN_SINGLE_LINE).search(text)
    if found is None:
        return None
    character = found.group()
    code = LONE_SURROGATE if "\ud800" <= character <= "\udfff" else CONTROL_CHARACTER
    return Refusal(code, character)


def refusals_in_json(document: Any, *, root: str = "") -> Iterator[tuple[str, Refusal]]:
    """Each (dotted path, refusal) in the keys and string values of a parsed JSON document;
    iterative, so no nesting depth can exhaust the stack."""
    pending: list[tuple[str, Any]] = [(root, document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            found = refusal(value)
            if found is not None:
                yield path or "body", found
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                found = refusal(str(key), multiline=False)
                if found is not None:
                    yield child, found
                else:
                    pending.append((child, item))
        elif isinstance(value, list):
            pending.extend(
                (f"{path}.{index}" if path else str(index), item)
                for index, item in enumerate(value)
            )


def parse_json(body: bytes) -> Any:
    """A JSON body as Python values, or raises ValueError (also for NaN and Infinity, which
    JSON does not have and no database column takes)."""

    def refuse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(body, parse_constant=refuse_constant)
    except RecursionError:
        raise ValueError("the document is nested too deeply") from None


def xml_text(value: str) -> str:
    """`value` with every character XML 1.0 forbids replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", value)


def ascii_int(text: str | None, *, maximum: int | None = None) -> int | None:
    """A non-negative integer written in ASCII digits (at most 18, and at most `maximum`),
    else None."""
    if text is None or not _ASCII_DIGITS.fullmatch(text):
        return None
    number = int(text)
    if maximum is not None and number > maximum:
        return None
    return number
