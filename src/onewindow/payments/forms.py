"""The officer's refund form: an amount in whole fen and the reason."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RefundForm(forms.Form):
    amount_fen = forms.IntegerField(
        label=_("Amount to refund, in fen"),
        min_value=1,
        help_text=_("Whole fen: 100 fen is one yuan."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
