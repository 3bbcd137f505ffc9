"""Formatting of indicator values, and small server-drawn bars (inline SVG: no script, no
style attribute, readable beside its number)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.core.divisions import UrbanRural
from onewindow.insights.indicators import Indicator

register = template.Library()

AGE_LABELS = {
    "under-30": gettext_lazy("Aged under 30"),
    "30-44": gettext_lazy("Aged 30–44"),
    "45-64": gettext_lazy("Aged 45–64"),
    "65-plus": gettext_lazy("Aged 65 and over"),
    "unknown": gettext_lazy("Age unknown"),
}


@register.filter
def shown(value: float | None, indicator: Indicator) -> str:
    if value is None:
        return "–"
    if indicator.unit == "%":
        return f"{value * 100:.1f} %"
    return f"{value:.2f}"


@register.filter
def signed(value: float | None, indicator: Indicator) -> str:
    """A difference: percentage points for shares."""
    if value is None:
        return "–"
    if indicator.unit == "%":
        return f"{value * 100:+.1f} pp"
    return f"{value:+.2f}"


@register.filter
def as_list(value: Any) -> list[Any]:
    return [value]


@register.filter
def group_label(group: str) -> str:
    kind, _sep, value = group.partition(":")
    if kind == "class":
        if value == "-":
            return _("Class not recorded")
        return str(UrbanRural(value).label) if value in UrbanRural.values else value
    return str(AGE_LABELS.get(value, value))


@register.simple_tag
def bar(value: float, maximum: float = 1.0) -> SafeString:
    width = max(0.0, min(1.0, value / maximum if maximum else 0.0)) * 120
    return format_html(
        '<svg width="120" height="12" viewBox="0 0 120 12" aria-hidden="true" focusable="false">'
        '<rect x="0" y="0" width="120" height="12" fill="#dfe1e2"></rect>'
        '<rect x="0" y="0" width="{}" height="12" fill="#005ea2"></rect></svg>',
        f"{width:.1f}",
    )
