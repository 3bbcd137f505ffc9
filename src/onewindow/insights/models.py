"""Questionnaires, studies, the residents drawn for them and their anonymous answers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from onewindow.core.models import Division
from onewindow.identity.models import Department


class Questionnaire(models.Model):
    """A questionnaire's questions (validated by `questionnaires.check`), in both languages."""

    ref = models.CharField(_("reference"), max_length=24, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    questions = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.ref

    @property
    def title(self) -> str:
        return self.title_zh if (get_language() or "").startswith("zh") else self.title_en


class StudyStatus(models.TextChoices):
    FIELDING = "fielding", _("In the field")
    PUBLISHED = "published", _("Report published")


class Study(models.Model):
    """A field study: counties, a questionnaire and a stratified sample drawn from a seed."""

    ref = models.CharField(_("reference"), max_length=24, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    counties = models.ManyToManyField(Division, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    sample_size = models.PositiveIntegerField(_("sample size"))
    seed = models.BigIntegerField(_("seed"))
    status = models.CharField(max_length=16, choices=StudyStatus.choices)
    designed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    designed_at = models.DateTimeField(default=timezone.now)
    # {stratum: [residents in the frame, residents drawn]}, as drawn (the design weights).
    strata = models.JSONField(default=dict)
    sample_ledger_index = models.BigIntegerField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The published report's figures, frozen as published (report.py builds them).
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-designed_at"]
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.ref

    @property
    def title(self) -> str:
        return self.title_zh if (get_language() or "").startswith("zh") else self.title_en


class SampleMember(models.Model):
    """A resident drawn into a study's sample, and their stratum. Whether they answered is
    kept here; what they answered is not (responses carry the stratum only)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="members")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    stratum = models.CharField(max_length=40)  # county code / urban|rural / age band
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["study", "resident"], name="one_draw_per_resident")
        ]

    def __str__(self) -> str:
        return f"{self.study.ref}/{self.pk}"


class AnswerChannel(models.TextChoices):
    SELF = "self", _("Answered by the resident")
    ASSISTED = "assisted", _("Answered with a village agent")


class Response(models.Model):
    """One resident's answers, with their stratum but not who they are."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="responses")
    stratum = models.CharField(max_length=40)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    is_urban = models.BooleanField(null=True)
    age_band = models.CharField(max_length=12)
    answers = models.JSONField(default=dict)
    channel = models.CharField(max_length=16, choices=AnswerChannel.choices)
    assisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_on = models.DateField(default=timezone.localdate)  # a day, not a time: anonymity

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.study.ref}#{self.pk}"
