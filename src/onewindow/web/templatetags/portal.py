"""`{% icon "birth" %}`: one of the platform's inline icons (`onewindow.web.icons`)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from onewindow.web.icons import ICONS, svg

register = template.Library()


@register.simple_tag
def icon(name: str, css_class: str = "ow-icon") -> SafeString:
    # The markup is our own constant text; an unknown name is a template error, not a blank.
    if name not in ICONS:
        raise template.TemplateSyntaxError(f"no icon named {name!r}")
    return mark_safe(svg(name, css_class))  # noqa: S308
