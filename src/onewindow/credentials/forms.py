from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.credentials.kinds import Kind
from onewindow.credentials.services import REASON_MIN_LENGTH, SHARE_MAX_DAYS
from onewindow.identity.forms import UswdsMixin

MAX_UPLOAD = 100_000


class VerifyForm(UswdsMixin, forms.Form):
    credential = forms.CharField(
        label=_("QR content or credential"),
        help_text=_(
            "Paste what the QR code holds (a link ending in /v/ and digits, or text starting "
            "with OW1:) or the whole credential."
        ),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5, "class": "usa-textarea", "spellcheck": "false"}),
    )
    file = forms.FileField(
        label=_("Or upload the credential file"),
        help_text=_("The JSON file downloaded from a wallet, or a text file with the QR content."),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_UPLOAD:
                self.add_error("file", _("The file is larger than 100 KB."))
                return data
            text = upload.read().decode("utf-8", errors="replace").strip()
            if text.startswith("{"):
                import json

                try:
                    text = str(json.loads(text).get("sd_jwt", ""))
                except (ValueError, AttributeError):
                    self.add_error("file", _("The file is not a credential from a wallet."))
                    return data
            data["credential"] = text
        if not str(data.get("credential", "")).strip():
            self.add_error("credential", _("Paste the QR content or upload the credential."))
        return data


class ShareForm(UswdsMixin, forms.Form):
    recipient = forms.CharField(label=_("Shared with"), max_length=100)
    disclose = forms.MultipleChoiceField(
        label=_("Fields they may see"), widget=forms.CheckboxSelectMultiple
    )
    days = forms.IntegerField(
        label=_("For how many days"), min_value=1, max_value=SHARE_MAX_DAYS, initial=7
    )

    def __init__(self, *args: Any, kind: Kind, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        disclose = self.fields["disclose"]
        assert isinstance(disclose, forms.MultipleChoiceField)
        disclose.choices = [(field.name, field.label) for field in kind.fields]


class StatusForm(UswdsMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Change"),
        choices=[
            ("suspended", _("Suspend")),
            ("active", _("Reinstate")),
            ("revoked", _("Revoke (final)")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        min_length=REASON_MIN_LENGTH,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "class": "usa-textarea"}),
    )
