"""Application forms described as JSON Schema: checked on publish, validated on submit,
rendered as accessible HTML forms.

A form schema is a draft 2020-12 object schema whose properties are strings (optionally
`enum`, `format: date`, `maxLength`, `minLength`, `pattern`), integers, numbers or booleans.
Labels are `title` (English) and `x-title-zh`; hints `description` / `x-description-zh`;
enum labels `x-enum-labels: {value: {"zh": .., "en": ..}}`; long text `x-multiline: true`;
`x-check: <name>` runs a rule JSON Schema cannot say (e.g. "this penalty may be repaired
now"), registered with `register_field_check` by the app that knows it.
The same `validate_form_data` serves the API and the pages, so both refuse the same input.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

if TYPE_CHECKING:
    from onewindow.identity.models import Business, User

SUPPORTED_TYPES = {"string", "integer", "number", "boolean"}
FORMAT_CHECKER = FormatChecker(formats=["date", "email"])


class FormSchemaError(ValueError):
    """A schema the platform cannot render or validate; names the property at fault."""


@dataclass(frozen=True)
class Filer:
    """Who files the form: the applicant, who typed it in (the applicant, a village agent or a
    window clerk) and the business applied for, if any. Checks that depend on who applies
    (may this person apply for that producer?) read it."""

    applicant: User
    filed_by: User
    business: Business | None = None


# name → check(value, filer) returning a localised message when the value is refused, else
# None; `filer` is None where the form is checked without a filing (previews, tests).
FieldCheck = Callable[[Any, Filer | None], str | None]
_FIELD_CHECKS: dict[str, FieldCheck] = {}


def register_field_check(name: str, check: FieldCheck) -> None:
    """Make `x-check: name` available to form schemas. Higher apps register their rules in
    AppConfig.ready() (catalog cannot import them), so every filing channel runs them."""
    _FIELD_CHECKS[name] = check


def _is_zh() -> bool:
    return (get_language() or "").startswith("zh")


def label_of(schema: dict[str, Any], name: str) -> str:
    prop = schema.get("properties", {}).get(name, {})
    if _is_zh() and prop.get("x-title-zh"):
        return str(prop["x-title-zh"])
    return str(prop.get("title") or name)


def _hint_of(prop: dict[str, Any]) -> str:
    if _is_zh() and prop.get("x-description-zh"):
        return str(prop["x-description-zh"])
    return str(prop.get("description", ""))


def _enum_label(prop: dict[str, Any], value: Any) -> str:
    labels = prop.get("x-enum-labels", {}).get(str(value), {})
    return str(labels.get("zh" if _is_zh() else "en") or value)


def check_form_schema(schema: dict[str, Any]) -> None:
    """Refuse a schema we cannot render or validate. Raises FormSchemaError."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        raise FormSchemaError(f"not a valid JSON Schema: {error.message}") from None
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        raise FormSchemaError("a form schema must be an object with properties")
    for name, prop in schema["properties"].items():
        if not name.isidentifier():
            raise FormSchemaError(f"property {name!r} must be a plain name")
        if prop.get("type") not in SUPPORTED_TYPES:
            raise FormSchemaError(
                f"property {name!r}: type must be one of {', '.join(sorted(SUPPORTED_TYPES))}"
            )
        if not prop.get("title"):
            raise FormSchemaError(f"property {name!r} needs a title")
        if "x-check" in prop and prop["x-check"] not in _FIELD_CHECKS:
            raise FormSchemaError(
                f"property {name!r}: no check is registered as {prop['x-check']!r}"
            )
    for name in schema.get("required", []):
        if name not in schema["properties"]:
            raise FormSchemaError(f"required property {name!r} is not defined")


def _message(error: Any, schema: dict[str, Any]) -> tuple[str, str]:
    """(field, localised message) for one jsonschema error."""
    keyword = error.validator
    if keyword == "required":
        name = error.message.split("'")[1]
        return name, _("%(field)s is required.") % {"field": label_of(schema, name)}
    if keyword == "additionalProperties":
        return "__all__", _("The form has fields this service does not ask for.")
    name = str(error.path[0]) if error.path else "__all__"
    label = label_of(schema, name)
    value = error.validator_value
    messages = {
        "type": _("%(field)s has the wrong kind of value."),
        "enum": _("%(field)s must be one of the listed choices."),
        "maxLength": _("%(field)s can be at most %(limit)s characters."),
        "minLength": _("%(field)s needs at least %(limit)s characters."),
        "pattern": _("%(field)s is not in the expected format."),
        "minimum": _("%(field)s must be at least %(limit)s."),
        "maximum": _("%(field)s can be at most %(limit)s."),
        "format": _("%(field)s is not a valid %(limit)s."),
        "const": _("%(field)s must be confirmed."),
    }
    text = messages.get(keyword, _("%(field)s is not valid."))
    return name, text % {"field": label, "limit": value}


@functools.lru_cache(maxsize=256)
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json), format_checker=FORMAT_CHECKER)


def validate_form_data(
    schema: dict[str, Any], data: dict[str, Any], *, filer: Filer | None = None
) -> dict[str, str]:
    """Field name → localised message for every rule `data` breaks (empty when valid);
    `x-check` rules are given `filer`."""
    validator = _validator(json.dumps(schema, sort_keys=True))
    errors: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
        name, message = _message(error, schema)
        errors.setdefault(name, message)
    for name, prop in schema.get("properties", {}).items():
        if "x-check" not in prop or name in errors or name not in data:
            continue  # a value that broke the schema is not checked further
        check = _FIELD_CHECKS.get(prop["x-check"])
        refusal = (
            check(data[name], filer)
            if check is not None
            else _("%(field)s cannot be checked now; try again later.")
            % {"field": label_of(schema, name)}
        )
        if refusal:
            errors[name] = refusal
    return errors


def _field_for(name: str, prop: dict[str, Any], schema: dict[str, Any]) -> forms.Field:
    required = name in schema.get("required", [])
    common: dict[str, Any] = {
        "label": label_of(schema, name),
        "help_text": _hint_of(prop),
        "required": required,
    }
    kind = prop["type"]
    if kind == "boolean":
        return forms.BooleanField(**common)
    if kind == "integer":
        return forms.IntegerField(
            min_value=prop.get("minimum"), max_value=prop.get("maximum"), **common
        )
    if kind == "number":
        return forms.FloatField(
            min_value=prop.get("minimum"), max_value=prop.get("maximum"), **common
        )
    if "enum" in prop:
        choices = [(value, _enum_label(prop, value)) for value in prop["enum"]]
        if not required:
            choices.insert(0, ("", "—"))
        return forms.ChoiceField(choices=choices, **common)
    if prop.get("format") == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    widget: forms.Widget = (
        forms.Textarea(attrs={"class": "usa-textarea", "rows": 4})
        if prop.get("x-multiline")
        else forms.TextInput()
    )
    return forms.CharField(
        max_length=prop.get("maxLength"), min_length=prop.get("minLength"), widget=widget, **common
    )


def form_class_for(schema: dict[str, Any]) -> type[forms.Form]:
    """A Django form class for the schema, so pages render it like every other form.

    Django checks the obvious rules as the person types them back; `cleaned_to_json` and
    `validate_form_data` then apply the schema itself, which stays the single authority.
    """
    from onewindow.identity.forms import UswdsMixin

    fields = {
        name: _field_for(name, prop, schema) for name, prop in schema.get("properties", {}).items()
    }
    return type("ApplicationForm", (UswdsMixin, forms.Form), fields)


def cleaned_to_json(schema: dict[str, Any], cleaned: dict[str, Any]) -> dict[str, Any]:
    """Turn a Django form's cleaned data into the JSON document the schema describes."""
    data: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        value = cleaned.get(name)
        if value in (None, "") and prop["type"] != "boolean":
            continue
        if isinstance(value, datetime.date):
            value = value.isoformat()
        data[name] = value
    return data


def display_value(schema: dict[str, Any], name: str, value: Any) -> str:
    """A stored answer as a person reads it: enum labels, yes/no for booleans."""
    prop = schema.get("properties", {}).get(name, {})
    if prop.get("type") == "boolean":
        return _("Yes") if value else _("No")
    if "enum" in prop:
        return _enum_label(prop, value)
    return str(value)
