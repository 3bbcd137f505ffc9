"""Forms of the insights pages: a study's design and a questionnaire's answers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.core.divisions import Level
from onewindow.core.models import Division
from onewindow.insights import questionnaires
from onewindow.insights.models import Questionnaire


class CountyChoice(forms.ModelMultipleChoiceField[Division]):
    def label_from_instance(self, obj: Division) -> str:
        return f"{obj.name} ({obj.code})"


class QuestionnaireChoice(forms.ModelChoiceField[Questionnaire]):
    def label_from_instance(self, obj: Questionnaire) -> str:
        return f"{obj.title} ({obj.ref})"


class StudyForm(forms.Form):
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200)
    questionnaire = QuestionnaireChoice(
        label=_("Questionnaire"), queryset=Questionnaire.objects.none()
    )
    counties = CountyChoice(
        label=_("Counties"),
        queryset=Division.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"}),
    )
    sample_size = forms.IntegerField(label=_("Sample size"), min_value=2, max_value=100_000)
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=0,
        max_value=2**62,
        help_text=_(
            "The same seed draws the same sample: it is written in the report and the ledger."
        ),
    )

    def __init__(self, *args: Any, scope: Division, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["questionnaire"].queryset = Questionnaire.objects.all()  # type: ignore[attr-defined]
        self.fields["counties"].queryset = Division.objects.filter(  # type: ignore[attr-defined]
            level=Level.COUNTY, path__startswith=scope.path
        ).order_by("code")


def answer_form(questions: list[dict[str, Any]], data: Any = None) -> forms.Form:
    """A form with one field per question; skip rules are said in the help text (no script
    needed), and the service drops the answers of skipped questions."""
    fields: dict[str, forms.Field] = {}
    by_key = {q["key"]: q for q in questions}
    for question in questions:
        label = questionnaires.text(question)
        rule = question.get("show_if")
        help_text = ""
        if rule:
            target = by_key[rule["key"]]
            answer = next(
                (
                    questionnaires.option_label(o)
                    for o in target.get("options", [])
                    if str(o["value"]) == str(rule["equals"])
                ),
                str(rule["equals"]),
            )
            help_text = str(_("Only if the answer to “%(question)s” is “%(answer)s”.")) % {
                "question": questionnaires.text(target),
                "answer": answer,
            }
        kind = question["type"]
        field: forms.Field
        if kind == "likert":
            field = forms.ChoiceField(
                label=label,
                choices=[(str(v), str(v)) for v in questionnaires.LIKERT],
                widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
                required=False,
            )
        elif kind == "single":
            field = forms.ChoiceField(
                label=label,
                choices=[
                    (str(o["value"]), questionnaires.option_label(o)) for o in question["options"]
                ],
                widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
                required=False,
            )
        elif kind == "multiple":
            field = forms.MultipleChoiceField(
                label=label,
                choices=[
                    (str(o["value"]), questionnaires.option_label(o)) for o in question["options"]
                ],
                widget=forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"}),
                required=False,
            )
        elif kind == "number":
            field = forms.CharField(
                label=label,
                required=False,
                max_length=6,
                widget=forms.TextInput(attrs={"class": "usa-input", "inputmode": "numeric"}),
            )
        else:
            field = forms.CharField(
                label=label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3, "class": "usa-textarea"}),
                max_length=2000,
            )
        field.help_text = help_text
        fields[question["key"]] = field
    form_class = type("AnswerForm", (forms.Form,), fields)
    return form_class(data)  # type: ignore[no-any-return]
