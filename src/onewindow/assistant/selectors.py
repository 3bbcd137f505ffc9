"""Reads of the assistant: its index of the published catalogue, who is asking, and the
questions the catalogue editors should look at."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from onewindow.applications import selectors as applications
from onewindow.assistant.answering import Situation
from onewindow.assistant.index import Index, document_of
from onewindow.assistant.models import AskedQuestion, Outcome
from onewindow.catalog import selectors as catalog
from onewindow.core.models import Division
from onewindow.core.reference_cache import ReferenceCache
from onewindow.identity.models import User
from onewindow.identity.selectors import businesses_of

# Built from every published version, kept per process; forgotten when a service is
# published (AssistantConfig.ready) and, for changes made elsewhere, after `seconds`.
catalogue_indexes: ReferenceCache[str, Index] = ReferenceCache("assistant_index", size=1)
UNFOLLOWED_AFTER = timedelta(minutes=30)


def catalogue_index() -> Index:
    return catalogue_indexes.get("published", _build_index)


def _build_index() -> Index:
    sources = []
    for item in catalog.published_items():
        version = item.current_version
        assert version is not None  # published_items() guarantees it
        document = document_of(
            item.code,
            version,
            department_kind=item.department_kind,
            level=item.level,
            life_events=item.life_events,
            version=version.number,
            is_filed_online=version.is_filed_online,
        )
        sources.append((document, f"{version.keywords_zh} {version.keywords_en}"))
    return Index.build(sources)


def forget_index(**_kwargs: Any) -> None:
    catalogue_indexes.forget()


def source_text(code: str, field: str) -> str:
    """The field of the published version of `code` that a passage cites."""
    return str(getattr(catalog.current_version(code), field))


def situation_of(user: User | None, division_code: str = "") -> Situation:
    """What ranks services for this resident: their division (or the one they chose), and
    when signed in their age, whether they act for a business and their open applications."""
    division_level = None
    if division_code:
        division_level = (
            Division.objects.filter(code=division_code).values_list("level", flat=True).first()
        )
    if user is None:
        return Situation(division_level=division_level)
    if division_level is None and user.division_id:
        division_level = user.division.level if user.division else None
    age = timezone.localdate().year - user.birth_year if user.birth_year else None
    open_codes = frozenset(applications.open_service_codes(user))
    return Situation(
        division_level=division_level,
        age=age,
        is_business=businesses_of(user).exists(),
        open_codes=open_codes,
    )


def questions_to_learn_from(
    *, since: datetime | None = None, now: datetime | None = None
) -> list[tuple[str, str, int]]:
    """(question, outcome, times asked), most asked first: the questions with no answer,
    answers the resident called not useful, and answers nobody followed (no apply, no guide
    opened) within `UNFOLLOWED_AFTER`."""
    now = now or timezone.now()
    rows = AskedQuestion.objects.filter(
        Q(outcome__in=[Outcome.NO_MATCH, Outcome.OUT_OF_SCOPE])
        | Q(is_useful=False)
        | Q(next_step="", asked_at__lte=now - UNFOLLOWED_AFTER)
    )
    if since is not None:
        rows = rows.filter(asked_at__gte=since)
    counts = Counter((text, outcome) for text, outcome in rows.values_list("text", "outcome"))
    return [(text, outcome, n) for (text, outcome), n in counts.most_common()]
