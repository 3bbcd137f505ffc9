"""Risk grades for the draw: worse credit and more complaints → drawn more often.

The score (published with every plan, `GRADING_TEXT`): 3 points per administrative penalty
still in its publicity period on the business's credit profile, 2 for a current
abnormal-operations listing, 1 per complaint or hotline case about the business in the last
365 days (`CaseLink`). Grade A: 0 points; B: 1–2; C: 3–5; D: 6 or more. The draw's weights per
grade are `redraw.WEIGHTS` (A 1, B 2, C 4, D 8)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from onewindow.exchange.models import CreditEntry, CreditEntryKind
from onewindow.identity.models import Business
from onewindow.supervision.models import CaseLink

PENALTY_POINTS = 3
ABNORMAL_POINTS = 2
CASE_POINTS = 1
CASE_WINDOW = timedelta(days=365)
GRADING_TEXT = (
    "score = 3 x penalties in publicity + 2 x current abnormal-operations listing + "
    "1 x complaints in the last 365 days; A: 0, B: 1-2, C: 3-5, D: 6+"
)


def grade_of(score: int) -> str:
    if score <= 0:
        return "A"
    if score <= 2:
        return "B"
    if score <= 5:
        return "C"
    return "D"


def scores(businesses: Sequence[Business]) -> dict[int, int]:
    """Business pk → risk score, in three queries whatever the number of businesses."""
    today = timezone.localdate()
    by_code = {b.credit_code: b.pk for b in businesses}
    points: Counter[int] = Counter({b.pk: 0 for b in businesses})
    entries = (
        CreditEntry.objects.filter(profile__credit_code__in=list(by_code))
        .filter(
            Q(kind=CreditEntryKind.PENALTY, publicity_ends_on__gt=today, repair__isnull=True)
            | Q(kind=CreditEntryKind.ABNORMAL_OPERATION)
        )
        .values_list("profile__credit_code", "kind", "details")
    )
    for code, kind, details in entries:
        if kind == CreditEntryKind.PENALTY:
            points[by_code[code]] += PENALTY_POINTS
        elif not (details or {}).get("removed_on"):
            points[by_code[code]] += ABNORMAL_POINTS
    cases = (
        CaseLink.objects.filter(
            business__in=[b.pk for b in businesses],
            received_at__gte=timezone.now() - CASE_WINDOW,
        )
        .values("business")
        .annotate(count=Count("pk"))
    )
    for row in cases:
        points[row["business"]] += CASE_POINTS * row["count"]
    return dict(points)


def grades(businesses: Sequence[Business]) -> dict[int, str]:
    return {pk: grade_of(score) for pk, score in scores(businesses).items()}
