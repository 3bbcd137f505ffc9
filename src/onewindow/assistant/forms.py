from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.assistant.answering import MAX_QUESTION
from onewindow.core.selectors import division_choices
from onewindow.identity.forms import UswdsMixin


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
            choices = division_choices(blank=str(_("Anywhere")))
            self.fields["division"].choices = choices  # type: ignore[attr-defined]
        else:
            del self.fields["division"]
        self.fields["question"].widget.attrs["maxlength"] = str(MAX_QUESTION)
