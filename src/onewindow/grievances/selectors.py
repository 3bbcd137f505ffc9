"""Reads of the hotline that pages and the API share, each permission-checked.

`access_*` helpers raise NotFound both for what does not exist and for what is not yours.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core import personal_data
from onewindow.core.calendar import SHANGHAI
from onewindow.core.errors import DomainError, NotFound
from onewindow.core.facts import flag
from onewindow.core.models import Division
from onewindow.grievances import classifier, intake, services
from onewindow.grievances.models import (
    PHONE_CONTEXT,
    Case,
    CaseStatus,
    Dispute,
    DisputeParty,
    MergeProposal,
    MergeStatus,
    Rating,
    RectificationTask,
    Reporter,
    Review,
    ReviewInvitation,
    Transfer,
)
from onewindow.identity.models import Department, Role, User


def category_label(code: str) -> str:
    """The category's name in the current language (its English label goes through gettext)."""
    category = classifier.CATEGORIES.get(code)
    return str(category.label_en) if category is not None else code


def cases_of(user: User) -> QuerySet[Case]:
    """Cases the person reported (including those merged into another case)."""
    return (
        Case.objects.filter(reporters__user=user)
        .select_related("department", "division")
        .distinct()
        .order_by("-received_at")
    )


def access_own_case(user: User, ref: str) -> tuple[Case, Reporter]:
    reporter = (
        Reporter.objects.select_related("case__department", "case__division")
        .filter(user=user, case__ref=ref)
        .first()
    )
    if reporter is None:
        raise NotFound(_("No case of yours has this number."), field="ref")
    return reporter.case, reporter


def access_case_for_officer(officer: User, ref: str) -> Case:
    """A case the officer's department handles (or had escalated to it); dispatchers and
    hotline agents see every case."""
    case = (
        Case.objects.select_related("department", "division", "escalated_to", "merged_into")
        .filter(ref=ref)
        .first()
    )
    if case is not None and (
        services.handles(officer, case)
        or services.has_role(officer, Role.DISPATCHER)
        or services.has_role(officer, Role.HOTLINE_AGENT)
    ):
        return case
    raise NotFound(_("No case of your department has this number."), field="ref")


def department_queue(officer: User) -> QuerySet[Case]:
    if officer.department_id is None:
        return Case.objects.none()
    return (
        Case.objects.filter(
            Q(department=officer.department_id) | Q(escalated_to=officer.department_id),
            status=CaseStatus.ASSIGNED,
        )
        .select_related("division", "department")
        .order_by("resolve_due")
    )


def dispatcher_queue() -> QuerySet[Case]:
    return (
        Case.objects.filter(status=CaseStatus.DISPATCHING)
        .select_related("division", "department")
        .order_by("received_at")
    )


def contested_transfers() -> QuerySet[Transfer]:
    return (
        Transfer.objects.filter(contested_at__isnull=False, decision="")
        .select_related("case", "from_department", "to_department")
        .order_by("contested_at")
    )


def access_transfer(dispatcher: User, pk: int) -> Transfer:
    """A transfer for a dispatcher to decide on (dispatchers see every department's)."""
    found = (
        Transfer.objects.filter(pk=pk).first()
        if services.has_role(dispatcher, Role.DISPATCHER)
        else None
    )
    if found is None:
        raise NotFound(_("No transfer has this number."), field="pk")
    return found


def access_merge_proposal(dispatcher: User, pk: int) -> MergeProposal:
    """A proposed merge for a dispatcher to confirm or reject."""
    found = (
        MergeProposal.objects.filter(pk=pk).first()
        if services.has_role(dispatcher, Role.DISPATCHER)
        else None
    )
    if found is None:
        raise NotFound(_("No merge proposal has this number."), field="pk")
    return found


def merge_proposals() -> QuerySet[MergeProposal]:
    return (
        MergeProposal.objects.filter(
            status=MergeStatus.PROPOSED,
            case__status__in=[CaseStatus.DISPATCHING, CaseStatus.ASSIGNED],
        )
        .select_related("case", "primary")
        .order_by("-similarity")
    )


def answered_to_rate() -> QuerySet[Case]:
    """Answered cases waiting for ratings: the agents' call-back list."""
    return Case.objects.filter(status=CaseStatus.ANSWERED).order_by("answered_at")


# ----- the public case wall ---------------------------------------------------------------


def public_wall(query: str = "", *, limit: int = 50) -> QuerySet[Case]:
    """Answered and closed cases, newest first; matched on the words of the case and the
    answer. Texts are desensitised when shown (text.desensitise)."""
    cases = Case.objects.filter(
        status__in=[CaseStatus.ANSWERED, CaseStatus.CLOSED], answered_at__isnull=False
    ).exclude(public_reply="")
    for word in query.split()[:5]:
        cases = cases.filter(
            Q(text__icontains=word) | Q(public_reply__icontains=word) | Q(terms__icontains=word)
        )
    return cases.select_related("department", "division").order_by("-answered_at")[:limit]


def open311_requests() -> QuerySet[Case]:
    """Every case as an Open311 service request: public by the standard, rendered by
    open311._public_request (text and answer desensitised, nothing of the reporter)."""
    return Case.objects.all()


def track_case(ref: str, phone: str) -> Case:
    """The case a caller follows by the number they were told and their own phone number
    (a reference alone is sequential, so it is not enough). A merged case leads to the case
    it joined. Raises NotFound for a wrong pair, whatever part of it is wrong."""
    number = intake.normalise_phone(phone)
    reporter = (
        Reporter.objects.filter(
            original_case_ref=ref.strip().upper(),
            phone_hash=personal_data.lookup_hash(number, context=PHONE_CONTEXT) if number else "-",
        )
        .select_related("case__department", "case__division")
        .first()
    )
    if reporter is None:
        raise NotFound(_("No case has this number with this phone number."), field="ref")
    return reporter.case


def public_case(ref: str) -> Case:
    case = (
        Case.objects.filter(
            ref=ref, status__in=[CaseStatus.ANSWERED, CaseStatus.CLOSED], answered_at__isnull=False
        )
        .exclude(public_reply="")
        .select_related("department", "division")
        .first()
    )
    if case is None:
        raise NotFound(_("No answered case has this number."), field="ref")
    return case


# ----- the department scoreboard ----------------------------------------------------------


@dataclass(frozen=True)
class ScoreRow:
    department: Department
    cases: int
    answered: int
    on_time: int
    mean_response_hours: float | None
    satisfaction: float | None
    ratings: int
    reopened: int
    bad_reviews: int
    open_rectifications: int

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.answered if self.answered else None


def scoreboard(*, since: datetime | None = None) -> list[ScoreRow]:
    """Per department: cases, answers on time, mean hours to accept, mean rating, reopens,
    bad reviews of applications and open rectifications. Best on-time rate first."""
    since = since or timezone.now() - timedelta(days=90)
    rows: dict[int, dict[str, object]] = {}
    cases = Case.objects.filter(received_at__gte=since, department__isnull=False).exclude(
        status=CaseStatus.MERGED
    )
    for item in cases.values(
        "department", "received_at", "acknowledged_at", "answered_at", "resolve_due", "reopen_count"
    ):
        row = rows.setdefault(
            item["department"],
            {"cases": 0, "answered": 0, "on_time": 0, "hours": [], "reopened": 0},
        )
        row["cases"] += 1  # type: ignore[operator]
        if item["answered_at"] is not None:
            row["answered"] += 1  # type: ignore[operator]
            if item["answered_at"] <= item["resolve_due"]:
                row["on_time"] += 1  # type: ignore[operator]
        if item["acknowledged_at"] is not None:
            waited = (item["acknowledged_at"] - item["received_at"]).total_seconds() / 3600
            row["hours"].append(waited)  # type: ignore[attr-defined]
        if item["reopen_count"]:
            row["reopened"] += 1  # type: ignore[operator]
    # Satisfaction: the hotline's ratings of answers and the reviews of completed
    # applications, each one vote.
    votes: dict[int, list[int]] = {}
    for r in (
        Rating.objects.filter(case__received_at__gte=since)
        .values("case__department")
        .annotate(total=Sum("level"), count=Count("pk"))
    ):
        votes[r["case__department"]] = [r["total"], r["count"]]
    for r in (
        Review.objects.filter(invitation__created_at__gte=since)
        .values("invitation__department")
        .annotate(total=Sum("level"), count=Count("pk"))
    ):
        both = votes.setdefault(r["invitation__department"], [0, 0])
        both[0] += r["total"]
        both[1] += r["count"]
    ratings = {pk: (total / count, count) for pk, (total, count) in votes.items()}
    bad = Counter(
        ReviewInvitation.objects.filter(review__level__lte=2, created_at__gte=since).values_list(
            "department", flat=True
        )
    )
    open_tasks = Counter(
        RectificationTask.objects.filter(status="open").values_list("department", flat=True)
    )
    ids = set(rows) | set(bad) | set(open_tasks) | set(ratings)
    departments = {d.pk: d for d in Department.objects.filter(pk__in=ids)}
    result = []
    for pk in ids:
        row = rows.get(pk, {"cases": 0, "answered": 0, "on_time": 0, "hours": [], "reopened": 0})
        hours: list[float] = row["hours"]  # type: ignore[assignment]
        rated = ratings.get(pk)
        result.append(
            ScoreRow(
                department=departments[pk],
                cases=row["cases"],  # type: ignore[arg-type]
                answered=row["answered"],  # type: ignore[arg-type]
                on_time=row["on_time"],  # type: ignore[arg-type]
                mean_response_hours=round(sum(hours) / len(hours), 1) if hours else None,
                satisfaction=round(rated[0], 2) if rated else None,
                ratings=rated[1] if rated else 0,
                reopened=row["reopened"],  # type: ignore[arg-type]
                bad_reviews=bad.get(pk, 0),
                open_rectifications=open_tasks.get(pk, 0),
            )
        )
    return sorted(
        result,
        key=lambda r: (-(r.on_time_rate or 0), -(r.satisfaction or 0), r.department.code),
    )


# ----- public-opinion trends --------------------------------------------------------------


def iso_week(day: date) -> tuple[int, int]:
    year, week, _weekday = day.isocalendar()
    return year, week


def parse_week(value: str) -> tuple[int, int]:
    """`2026-W47` → (2026, 47); empty → this ISO week."""
    if not value:
        return iso_week(timezone.localdate())
    try:
        year, week = value.upper().split("-W")
        date.fromisocalendar(int(year), int(week), 1)
        return int(year), int(week)
    except ValueError:
        raise DomainError(_("A week is written like 2026-W47."), field="week") from None


def week_bounds(year: int, week: int) -> tuple[datetime, datetime]:
    start = date.fromisocalendar(year, week, 1)
    begin = datetime(start.year, start.month, start.day, tzinfo=SHANGHAI)
    return begin, begin + timedelta(days=7)


@dataclass(frozen=True)
class HotTerm:
    term: str
    count: int
    previous: int

    @property
    def rise(self) -> int:
        return self.count - self.previous


def _in_division(cases: QuerySet[Case], division: Division | None) -> QuerySet[Case]:
    if division is None:
        return cases
    return cases.filter(division__path__startswith=division.path)


def officer_pages(officer: User) -> dict[str, bool]:
    """Which of the hotline's officer pages this officer may open (the home page lists
    those only)."""
    from onewindow.grievances import mediation

    return {
        "console": services.has_role(officer, Role.HOTLINE_AGENT),
        "dispatch": services.has_role(officer, Role.DISPATCHER),
        "work": officer.department_id is not None,
        "rectifications": officer.department_id is not None,
        "scoreboard": True,
        "trends": may_see_trends(officer),
        "disputes": mediation.is_township_officer(officer),
        "partners": officer.is_superuser or services.has_role(officer, Role.PLATFORM_ADMIN),
    }


def may_see_trends(user: User) -> bool:
    return services.has_role(user, Role.SUPERVISOR) or services.has_role(user, Role.DISPATCHER)


def hot_terms(
    *, year: int, week: int, division: Division | None = None, limit: int = 15
) -> list[HotTerm]:
    """The terms rising fastest this ISO week against the week before (cases counted once
    per term), in the division and below. Ties go to the more frequent term."""
    begin, end = week_bounds(year, week)
    base = _in_division(Case.objects.exclude(status=CaseStatus.MERGED), division)

    def counts(start: datetime, stop: datetime) -> Counter[str]:
        found: Counter[str] = Counter()
        for terms in base.filter(received_at__gte=start, received_at__lt=stop).values_list(
            "terms", flat=True
        ):
            found.update(set(terms.split()))
        return found

    now, before = counts(begin, end), counts(begin - timedelta(days=7), begin)
    ranked = sorted(
        (HotTerm(term, count, before.get(term, 0)) for term, count in now.items() if count >= 2),
        key=lambda t: (-t.rise, -t.count, t.term),
    )
    return ranked[:limit]


def counts_by_category_and_department(
    *, year: int, week: int, division: Division | None = None
) -> tuple[list[tuple[str, int]], list[tuple[Department, int]]]:
    begin, end = week_bounds(year, week)
    cases = _in_division(
        Case.objects.filter(received_at__gte=begin, received_at__lt=end, kind="complaint"),
        division,
    ).exclude(status=CaseStatus.MERGED)
    by_category = [
        (category_label(row["category"] or row["proposed_category"]), row["n"])
        for row in cases.values("category", "proposed_category")
        .annotate(n=Count("pk"))
        .order_by("-n")
    ]
    department_counts = dict(
        cases.exclude(department=None).values_list("department").annotate(n=Count("pk"))
    )
    departments = Department.objects.in_bulk(list(department_counts))
    by_department = sorted(
        ((departments[pk], n) for pk, n in department_counts.items()), key=lambda x: -x[1]
    )
    return by_category, by_department


# ----- mediation and reviews ---------------------------------------------------------------


def access_dispute(user: User, ref: str) -> Dispute:
    """A dispute its office's officers, its mediator or one of its parties may read."""
    dispute = (
        Dispute.objects.select_related("office", "mediator", "township").filter(ref=ref).first()
    )
    if dispute is not None and (
        dispute.mediator_id == user.pk
        or (user.is_officer and user.department_id == dispute.office_id)
        or dispute.parties.filter(user=user).exists()
    ):
        return dispute
    raise NotFound(_("No dispute of yours has this number."), field="ref")


def party_of(user: User, dispute: Dispute) -> DisputeParty | None:
    """The user's place among the dispute's parties, if they are one."""
    return dispute.parties.filter(user=user).first()


def disputes_for(user: User) -> QuerySet[Dispute]:
    """The disputes a person handles (their office's, or assigned to them as mediator) or
    is a party to."""
    handled = Q(mediator=user) | Q(parties__user=user)
    if user.is_officer and user.department_id is not None:
        handled |= Q(office=user.department_id)
    return Dispute.objects.filter(handled).distinct().select_related("mediator", "office")


def disputes_of_party(user: User) -> list[Dispute]:
    """The disputes naming the person as a party, newest first."""
    return list(Dispute.objects.filter(parties__user=user).distinct().select_related("office")[:50])


def access_invitation(user: User, pk: int) -> ReviewInvitation:
    invitation = (
        ReviewInvitation.objects.select_related("department").filter(pk=pk, user=user).first()
    )
    if invitation is None:
        raise NotFound(_("No review of yours has this number."))
    return invitation


def rectifications_for(officer: User) -> QuerySet[RectificationTask]:
    """The tasks of the officer's department, and those escalated to it."""
    department = officer.department_id
    return RectificationTask.objects.filter(
        Q(department=department) | Q(escalated_to=department)
    ).select_related("review__invitation", "department")


def open_rectifications_for(officer: User) -> list[RectificationTask]:
    """What the work queue shows: the open tasks, soonest deadline first."""
    if officer.department_id is None:
        return []
    return list(rectifications_for(officer).filter(status="open").order_by("due_at")[:50])


def case_records(*, since: datetime | None = None) -> list[dict[str, object]]:
    """One record per hotline case for open data (transparency desensitises them before
    anything is published): category, division, day received, hours to the answer. No
    reporter, no text, no reference."""
    rows = Case.objects.all()
    if since is not None:
        rows = rows.filter(received_at__gte=since)
    records: list[dict[str, object]] = []
    for row in rows.values("category", "division__code", "received_at", "answered_at").iterator(
        chunk_size=2000
    ):
        answered = row["answered_at"]
        records.append(
            {
                "category": row["category"] or "unclassified",
                "division": row["division__code"],
                "received": row["received_at"].astimezone(SHANGHAI).date(),
                "hours_to_answer": (
                    round((answered - row["received_at"]).total_seconds() / 3600, 1)
                    if answered
                    else None
                ),
            }
        )
    return records


# --- facts for statistics ------------------------------------------------------------------


def case_facts(start: datetime, end: datetime) -> QuerySet[Case]:
    """Hotline cases received in [start, end) as rows of facts for statistics (the insights
    app groups and sums them in SQL): where it happened (`resident_division`), `submitted_at`
    (received), `is_closed` and `reopened`. No reporter's data."""
    return Case.objects.filter(received_at__gte=start, received_at__lt=end).annotate(
        resident_division=F("division_id"),
        resident_birth_year=Value(None, output_field=IntegerField()),
        submitted_at=F("received_at"),
        one=Value(1, output_field=IntegerField()),
        is_closed=flag(Q(closed_at__isnull=False)),
        reopened=flag(Q(closed_at__isnull=False, reopen_count__gt=0)),
    )


def rating_facts(start: datetime, end: datetime) -> QuerySet[Rating]:
    """Reporters' ratings (1–5) given in [start, end), by where the case happened."""
    return Rating.objects.filter(at__gte=start, at__lt=end).annotate(
        resident_division=F("case__division_id"),
        resident_birth_year=Value(None, output_field=IntegerField()),
        submitted_at=F("at"),
        one=Value(1, output_field=IntegerField()),
        rated=F("level"),
    )


def cases_after(pk: int, *, limit: int) -> QuerySet[Case]:
    """Cases received after the case `pk`, in order, merged ones left out: for the city's
    event sources (cityops.sources), which read no reporter's data."""
    return (
        Case.objects.filter(pk__gt=pk)
        .exclude(status=CaseStatus.MERGED)
        .select_related("division")
        .order_by("pk")[:limit]
    )
