"""What the assistant keeps: the questions residents asked, without who asked them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    NO_MATCH = "no_match", _("No service matched")
    OUT_OF_SCOPE = "out_of_scope", _("Handed to a person")


class NextStep(models.TextChoices):
    APPLY = "apply", _("Applied")
    GUIDE = "guide", _("Opened the guide")


class AskedQuestion(models.Model):
    """A question as the assistant logged it: the words with numbers, e-mail addresses and
    stated names removed, what it answered and whether the resident followed the answer.
    No account, address or session: the catalogue editors grow the lexicon from the
    questions nobody followed."""

    token = models.CharField(max_length=24, unique=True)
    text = models.CharField(_("question (made anonymous)"), max_length=500)
    language = models.CharField(_("language"), max_length=8)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    service_code = models.CharField(_("service answered"), max_length=32, blank=True)
    aspect = models.CharField(_("asked about"), max_length=16, blank=True)
    is_follow_up = models.BooleanField(_("follow-up"), default=False)
    next_step = models.CharField(
        _("followed by"), max_length=16, choices=NextStep.choices, blank=True
    )
    is_useful = models.BooleanField(_("useful, said the resident"), null=True, blank=True)
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)

    class Meta:
        ordering = ["-asked_at"]
        indexes = [models.Index(fields=["outcome", "asked_at"], name="assistant_question_outcome")]

    def __str__(self) -> str:
        return f"{self.outcome}: {self.text[:40]}"
