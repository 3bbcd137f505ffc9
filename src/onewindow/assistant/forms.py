from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.assistant.answering import MAX_QUESTION
from onewindow.core.divisions import Level
from onewindow.core.models import Division
from onewindow.identity.forms import UswdsMixin


def division_choices() -> list[tuple[str, str]]:
    """Districts, townships and villages, indented under each other."""
    rows = Division.objects.filter(level__gte=Level.COUNTY).order_by("path")
    indent: dict[int, str] = {Level.COUNTY: "", Level.TOWNSHIP: "— ", Level.VILLAGE: "— — "}
    return [
        ("", str(_("Anywhere"))),
        *((d.code, f"{indent.get(d.level, '')}{d.name}") for d in rows),
    ]


class QuestionForm(UswdsMixin, forms.Form):
    question = forms.CharField(
        label=_("Your question"),
        help_text=_(
            "In your own words, in Chinese or English: for example “我妈退休了养老金怎么领” "
            "or “my shop needs a food licence”."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        # Length and emptiness are checked by the service, so the page and the API agree.
        required=False,
    )
    context = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)
    division = forms.ChoiceField(label=_("Where do you live? (optional)"), required=False)

    def __init__(self, *args: Any, ask_where: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if ask_where:
            self.fields["division"].choices = division_choices()  # type: ignore[attr-defined]
        else:
            del self.fields["division"]
        self.fields["question"].widget.attrs["maxlength"] = str(MAX_QUESTION)
