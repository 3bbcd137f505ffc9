"""Writes of the insights app: questionnaires, studies (with their sample), answers, reports."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.divisions import Level
from onewindow.core.errors import Conflict, DomainError, PermissionDenied
from onewindow.core.models import Division
from onewindow.identity import selectors as identity
from onewindow.identity.models import Role, User, UserKind
from onewindow.insights import figures, questionnaires, report, sampling
from onewindow.insights.models import (
    AnswerChannel,
    Questionnaire,
    Response,
    SampleMember,
    Study,
    StudyStatus,
)
from onewindow.ledger import services as ledger


def analyst_scope(user: User) -> Division:
    """The division an analyst sees: their department's, and what lies below it. Raises
    `PermissionDenied` naming the role for anyone else."""
    if (
        not user.is_officer
        or user.department is None
        or not identity.roles_of(user).filter(role=Role.ANALYST).exists()
    ):
        raise PermissionDenied(
            _("This needs the %(role)s role."), params={"role": Role.ANALYST.label}
        )
    return user.department.division


def check_division_visible(user: User, division: Division) -> None:
    scope = analyst_scope(user)
    if not division.is_within(scope):
        raise PermissionDenied(
            _("You may see figures of %(scope)s and below; %(division)s is outside it."),
            params={"scope": scope.name, "division": division.name},
        )


def _check_titles(title_zh: str, title_en: str) -> None:
    if not title_zh.strip() or not title_en.strip():
        raise DomainError(_("Give the title in Chinese and English."), field="title_en")
    if len(title_zh) > 200 or len(title_en) > 200:
        raise DomainError(_("A title has at most 200 characters."), field="title_en")


def _next_ref(model: type[Questionnaire] | type[Study], prefix: str) -> str:
    year = timezone.localdate().year
    count = model.objects.filter(ref__startswith=f"{prefix}-{year}-").count()
    return f"{prefix}-{year}-{count + 1:04d}"


def create_questionnaire(
    analyst: User, *, title_zh: str, title_en: str, questions: list[dict[str, Any]]
) -> Questionnaire:
    """Keep a questionnaire. Raises `QuestionnaireRefused` naming the question and the rule."""
    analyst_scope(analyst)
    _check_titles(title_zh, title_en)
    questionnaires.check(questions)
    with transaction.atomic():
        return Questionnaire.objects.create(
            ref=_next_ref(Questionnaire, "Q"),
            title_zh=title_zh.strip(),
            title_en=title_en.strip(),
            questions=questions,
            created_by=analyst,
        )


def stratum_of(resident: User, county: Division, year: int) -> str:
    place = resident.division
    urban = place.is_urban if place is not None else None
    side = "urban" if urban else ("rural" if urban is False else "unclassified")
    band = figures.UNKNOWN_AGE
    if resident.birth_year:
        age = year - resident.birth_year
        band = next((name for name, low, high in figures.AGE_BANDS if low <= age <= high), band)
    return f"{county.code}/{side}/{band}"


def design_study(
    analyst: User,
    *,
    title_zh: str,
    title_en: str,
    questionnaire: Questionnaire,
    counties: Iterable[Division],
    sample_size: int,
    seed: int,
) -> Study:
    """Design a study and draw its stratified sample (county × urban–rural × age band) from
    the seed, recorded in the ledger. Raises `PermissionDenied` for a county outside the
    analyst's scope, `SampleRefused` for a sample larger than the frame."""
    _check_titles(title_zh, title_en)
    if not 0 <= seed <= 2**62:
        raise DomainError(_("The seed is a whole number from 0 to 2⁶²."), field="seed")
    chosen = sorted(counties, key=lambda d: d.code)
    if not chosen:
        raise DomainError(_("Choose at least one county."), field="counties")
    for county in chosen:
        check_division_visible(analyst, county)
        if county.level != Level.COUNTY:
            raise DomainError(
                _("%(name)s is not a county."), field="counties", params={"name": county.name}
            )
    if sample_size < 2:
        raise DomainError(_("A sample needs at least two residents."), field="sample_size")
    year = timezone.localdate().year
    frame: list[sampling.FrameMember] = []
    where: dict[int, Division] = {}
    for county in chosen:
        for resident in identity.residents_within([county]).select_related("division"):
            frame.append(sampling.FrameMember(resident.pk, stratum_of(resident, county, year)))
            assert resident.division is not None
            where[resident.pk] = resident.division
    drawn = sampling.draw(frame, sample_size, seed)
    sizes: dict[str, int] = {}
    for member in frame:
        sizes[member.stratum] = sizes.get(member.stratum, 0) + 1
    assert analyst.department is not None
    with transaction.atomic():
        study = Study.objects.create(
            ref=_next_ref(Study, "S"),
            title_zh=title_zh.strip(),
            title_en=title_en.strip(),
            questionnaire=questionnaire,
            department=analyst.department,
            sample_size=sample_size,
            seed=seed,
            status=StudyStatus.FIELDING,
            designed_by=analyst,
            strata={name: [sizes[name], len(pks)] for name, pks in drawn.items()},
        )
        study.counties.set(chosen)
        SampleMember.objects.bulk_create(
            SampleMember(study=study, resident_id=pk, division=where[pk], stratum=name)
            for name, pks in drawn.items()
            for pk in pks
        )
        receipt = ledger.record(
            "insights.sample_drawn",
            subject_ref=study.ref,
            actor_role="analyst",
            department=analyst.department.code,
            payload={
                "seed": seed,
                "counties": [c.code for c in chosen],
                "sample_size": sample_size,
                "strata": study.strata,
                "sample_digest": sampling.digest(drawn),
            },
        )
        study.sample_ledger_index = receipt.index
        study.save(update_fields=["sample_ledger_index"])
    return study


def answer(person: User, member: SampleMember, raw: dict[str, Any]) -> Response:
    """Record a sampled resident's answers: by the resident, or by a village agent of their
    village (or above) sitting with them, recorded as assisted. Raises `PermissionDenied`,
    `Conflict` (answered already, or the study is closed), `QuestionnaireRefused` per field."""
    if person.pk == member.resident_id:
        channel, assisted_by = AnswerChannel.SELF, None
    elif (
        person.kind == UserKind.STATION_AGENT
        and person.division is not None
        and member.division.is_within(person.division)
    ):
        channel, assisted_by = AnswerChannel.ASSISTED, person
    else:
        raise PermissionDenied(
            _("Only the resident or a village agent of their village may answer.")
        )
    study = member.study
    answers = questionnaires.clean_answers(study.questionnaire.questions, raw)
    with transaction.atomic():
        locked = SampleMember.objects.select_for_update().select_related("study").get(pk=member.pk)
        if locked.study.status != StudyStatus.FIELDING:
            raise Conflict(_("This study is no longer in the field."))
        if locked.answered_at is not None:
            raise Conflict(_("This resident has answered already."))
        _county, side, band = locked.stratum.split("/")
        response = Response.objects.create(
            study=locked.study,
            stratum=locked.stratum,
            division=locked.division,
            is_urban=True if side == "urban" else (False if side == "rural" else None),
            age_band=band,
            answers=answers,
            channel=channel,
            assisted_by=assisted_by,
        )
        locked.answered_at = timezone.now()
        locked.save(update_fields=["answered_at"])
    return response


def publish_report(analyst: User, study: Study) -> Study:
    """Freeze the study's report (responses, statistics and the counties' indicators) and
    publish it; recorded in the ledger with the report's digest. Raises `Conflict` when
    published already or when nobody answered."""
    check_division_visible(analyst, study.department.division)
    built = report.build(study)
    with transaction.atomic():
        locked = Study.objects.select_for_update().get(pk=study.pk)
        if locked.status == StudyStatus.PUBLISHED:
            raise Conflict(_("The report is published already."))
        if not built["responses"]["total"]:
            raise Conflict(_("Nobody has answered yet: there is nothing to report."))
        locked.report = built
        locked.status = StudyStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.save(update_fields=["report", "status", "published_at"])
        ledger.record(
            "insights.report_published",
            subject_ref=locked.ref,
            actor_role="analyst",
            department=locked.department.code,
            payload={"report_digest": report.digest(built)},
        )
    return locked
