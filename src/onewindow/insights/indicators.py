"""The indicators, declared: each is a few lines naming a source of facts (a selector of the
app that owns the records), what it counts or averages, and its definition page's words.

Adding one (issue 25's rural sales, say) is one `Indicator(...)` in `register(...)` below, or a
call to `register` from another module of this app, with a `Source` if its facts are new.
Every source's queryset carries `resident_division`, `resident_birth_year` (may be NULL) and
`submitted_at`; the indicator names the 0/1 or numeric annotation it sums (`value`) and the
0/1 annotation that says which rows count (`base`, the denominator).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onewindow.applications import selectors as applications
from onewindow.grievances import selectors as grievances


class Kind(StrEnum):
    PROPORTION = "proportion"  # Σvalue / Σbase, value in {0, 1}
    MEAN = "mean"  # Σvalue / Σbase over rows where base is 1
    RATE = "rate"  # Σvalue per 10,000 residents (the base is the population)


@dataclass(frozen=True)
class Source:
    key: str
    facts: Callable[[datetime, datetime], QuerySet]  # type: ignore[type-arg]
    name: Promise


@dataclass(frozen=True)
class Indicator:
    key: str
    source: Source
    value: str  # the annotation summed
    base: str  # the 0/1 annotation of rows that count (ignored for rates)
    kind: Kind
    name: Promise
    formula: Promise
    caveats: Promise
    higher_is_better: bool = True
    public: bool = False  # on the public dashboard
    divide_weight: float = 0.0  # weight in the digital-divide index (0: not in it)
    only_over_65: bool = False  # counts only residents aged 65 and over
    unit: str = ""

    @property
    def per(self) -> float:
        return 10_000.0 if self.kind is Kind.RATE else 1.0


FILINGS = Source(
    "filings",
    applications.filing_facts,
    _("Applications filed on the platform, by the applicant's registered division"),
)
MATERIALS = Source(
    "materials",
    applications.material_facts,
    _(
        "Materials the platform fetched once-only for applications, or that the applicant "
        "uploaded instead"
    ),
)
CASES = Source(
    "cases",
    grievances.case_facts,
    _("12345 hotline cases, by the division where the matter happened"),
)
RATINGS = Source(
    "ratings",
    grievances.rating_facts,
    _("Reporters' ratings of hotline answers (1 very dissatisfied – 5 very satisfied)"),
)

INDICATORS: dict[str, Indicator] = {}


def register(*indicators: Indicator) -> None:
    """Declare indicators (their keys are their addresses: unique, lower-case, hyphens)."""
    for indicator in indicators:
        if indicator.key in INDICATORS:
            raise ValueError(f"indicator {indicator.key} is declared twice")
        INDICATORS[indicator.key] = indicator


def sources() -> list[Source]:
    seen: dict[str, Source] = {}
    for indicator in INDICATORS.values():
        seen.setdefault(indicator.source.key, indicator.source)
    return list(seen.values())


def divide_weights() -> dict[str, float]:
    """The published weights of the digital-divide index."""
    return {key: i.divide_weight for key, i in INDICATORS.items() if i.divide_weight > 0}


register(
    Indicator(
        "online-share",
        FILINGS,
        value="filed_online",
        base="one",
        kind=Kind.PROPORTION,
        name=_("Filed online"),
        formula=_("Applications filed online or through a partner app ÷ all applications filed."),
        caveats=_(
            "Counts filings, not people: one resident filing often weighs more. A filing a "
            "village agent made for a resident is not online."
        ),
        public=True,
        divide_weight=3.0,
        unit="%",
    ),
    Indicator(
        "agent-share",
        FILINGS,
        value="filed_by_agent",
        base="one",
        kind=Kind.PROPORTION,
        name=_("Filed by a village agent"),
        formula=_(
            "Applications a village service-station agent filed with consent ÷ all applications."
        ),
        caveats=_("High where stations work well, and where residents cannot file themselves."),
        higher_is_better=False,
        unit="%",
    ),
    Indicator(
        "hall-share",
        FILINGS,
        value="filed_at_hall",
        base="one",
        kind=Kind.PROPORTION,
        name=_("Filed at a service hall"),
        formula=_("Applications a window clerk filed at a service hall ÷ all applications."),
        caveats=_("Some services need the applicant in person by law."),
        higher_is_better=False,
        unit="%",
    ),
    Indicator(
        "run-at-most-once",
        FILINGS,
        value="within_visits",
        base="is_finished",
        kind=Kind.PROPORTION,
        name=_("Visits within the promise"),
        formula=_(
            "Finished applications whose applicant came in no more often than the guide "
            "promised ÷ finished applications."
        ),
        caveats=_("Visits are counted by the platform; a visit it did not see is not counted."),
        public=True,
        divide_weight=1.0,
        unit="%",
    ),
    Indicator(
        "on-time",
        FILINGS,
        value="on_time",
        base="is_finished",
        kind=Kind.PROPORTION,
        name=_("Finished on time"),
        formula=_("Applications finished by their promised date ÷ finished applications."),
        caveats=_(
            "Time waiting for the applicant's supplements does not count against the promise."
        ),
        public=True,
        divide_weight=1.0,
        unit="%",
    ),
    Indicator(
        "days-beyond-promise",
        FILINGS,
        value="days_beyond_promise",
        base="is_finished",
        kind=Kind.MEAN,
        name=_("Working days taken beyond the promise"),
        formula=_(
            "Mean of (working days taken − working days promised) over finished applications."
        ),
        caveats=_("Negative when work finishes early. Statutory limits are longer than promises."),
        higher_is_better=False,
        unit=str(_("days")),
    ),
    Indicator(
        "supplement-rate",
        FILINGS,
        value="supplemented",
        base="one",
        kind=Kind.PROPORTION,
        name=_("Asked for supplements"),
        formula=_(
            "Applications where a step asked the applicant for supplements ÷ all applications."
        ),
        caveats=_(
            "A step may ask once; an application with several steps may be asked more than once."
        ),
        higher_is_better=False,
        divide_weight=1.0,
        unit="%",
    ),
    Indicator(
        "rejection-rate",
        FILINGS,
        value="rejected",
        base="is_decided",
        kind=Kind.PROPORTION,
        name=_("Rejected"),
        formula=_("Applications rejected ÷ applications decided (approved or rejected)."),
        caveats=_("Withdrawn applications are not decided."),
        higher_is_better=False,
        unit="%",
    ),
    Indicator(
        "once-only",
        MATERIALS,
        value="fetched",
        base="is_settled",
        kind=Kind.PROPORTION,
        name=_("Materials fetched once-only"),
        formula=_(
            "Materials verified at the source department ÷ materials either verified there or "
            "uploaded by the applicant instead."
        ),
        caveats=_("Only materials the service may fetch count; the rest are always uploaded."),
        public=True,
        divide_weight=1.0,
        unit="%",
    ),
    Indicator(
        "hotline-volume",
        CASES,
        value="one",
        base="one",
        kind=Kind.RATE,
        name=_("Hotline cases per 10,000 residents"),
        formula=_(
            "Cases received about matters in the division ÷ residents registered there × 10,000."
        ),
        caveats=_(
            "Residents are the platform's registered citizens, not the census; cases are placed "
            "where the matter happened, not where the caller lives."
        ),
        higher_is_better=False,
        unit=str(_("per 10,000")),
    ),
    Indicator(
        "reopen-rate",
        CASES,
        value="reopened",
        base="is_closed",
        kind=Kind.PROPORTION,
        name=_("Hotline cases reopened"),
        formula=_("Closed cases the reporter reopened at least once ÷ closed cases."),
        caveats=_("A reporter who gave up is not counted as reopening."),
        higher_is_better=False,
        unit="%",
    ),
    Indicator(
        "satisfaction",
        RATINGS,
        value="rated",
        base="one",
        kind=Kind.MEAN,
        name=_("Satisfaction with hotline answers"),
        formula=_("Mean rating (1–5) reporters gave the answers to their cases."),
        caveats=_("Only reporters who rate are counted; the unhappy rate more often."),
        public=True,
        divide_weight=1.0,
        unit="/5",
    ),
    Indicator(
        "adoption-over-65",
        FILINGS,
        value="filed_online",
        base="one",
        kind=Kind.PROPORTION,
        name=_("Filed online, residents aged 65 and over"),
        formula=_(
            "Applications by applicants aged 65 or over in the year filed that they filed online "
            "÷ all their applications."
        ),
        caveats=_("Age from the year of birth on the resident ID, so it may be a year off."),
        public=True,
        divide_weight=2.0,
        only_over_65=True,
        unit="%",
    ),
)
