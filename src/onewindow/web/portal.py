"""What the home pages show: life-event tiles, hot services, services by department and level,
the elder version's six services, and where the person left off.

Reads only (the shell's own selectors): the catalogue's overview is reference data, kept per
process (core.reference_cache) and forgotten when the catalogue changes; "continue where you
left off" is the person's own drafts and applications, read through applications' selectors.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onewindow.applications.models import Application, ApplicationStatus, Draft
from onewindow.applications.selectors import applications_of, drafts_of, filings_by_service
from onewindow.catalog import selectors as catalog_selectors
from onewindow.catalog.life_events import LIFE_EVENTS_BY_SLUG
from onewindow.catalog.models import ServiceItem, ServiceItemVersion
from onewindow.core.divisions import Level
from onewindow.core.reference_cache import ReferenceCache, forget_on_change
from onewindow.identity.models import DepartmentKind, User

# The eight moments residents look for first (浙里办's "一件事" tiles), in life's order;
# each opens the catalogue filtered to that life event.
HOME_LIFE_EVENTS = (
    ("birth", _("Having a baby")),
    ("school", _("Going to school")),
    ("marriage", _("Getting married")),
    ("business", _("Starting a business")),
    ("work", _("Employment")),
    ("retiring", _("Retiring")),
    ("moving", _("Moving")),
    ("end_of_life", _("End of life")),
)
HOT_SERVICES = 8
HOT_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Tile:
    icon: str
    title: str | Promise
    url: str
    hint: str | Promise = ""


def life_event_tiles() -> list[Tile]:
    search = reverse("catalog:search")
    return [
        Tile(slug, title, f"{search}?{urlencode({'life_event': slug})}")
        for slug, title in HOME_LIFE_EVENTS
        if slug in LIFE_EVENTS_BY_SLUG
    ]


def elder_tiles() -> list[Tile]:
    """The six services older people use most (the elder version's home): each a search of
    the catalogue in the reader's language, the hotline, and the village agents' help."""
    search = reverse("catalog:search")

    def find(words: str | Promise) -> str:
        return f"{search}?{urlencode({'q': str(words)})}"

    return [
        Tile(
            "pension",
            _("Pension certification"),
            find(_("pension entitlement check")),
            _("The yearly check that you still receive your pension"),
        ),
        Tile(
            "medical",
            _("Medical insurance"),
            find(_("medical insurance")),
            _("Join, pay, claim back medical costs"),
        ),
        Tile(
            "card",
            _("Social security card"),
            find(_("social security card")),
            _("Apply for or replace your card"),
        ),
        Tile(
            "senior_card",
            _("Senior card"),
            find(_("senior card")),
            _("Senior citizen card and senior bus pass"),
        ),
        Tile(
            "hotline",
            _("Hotline 12345"),
            reverse("grievances:home"),
            _("Call or write to the citizen hotline"),
        ),
        Tile(
            "agent",
            _("Ask a village agent to help"),
            find(_("village agent")),
            _("Your village or community station files for you"),
        ),
    ]


@dataclass
class Overview:
    """The catalogue at a glance: the services most filed in the last HOT_WINDOW (topped up
    from the catalogue while there are too few) and how many items each department and each
    level handles."""

    hot_codes: list[str] = field(default_factory=list)
    departments: Counter[str] = field(default_factory=Counter)
    levels: Counter[int] = field(default_factory=Counter)


# Kept 10 minutes: "hot" moves slowly, and the catalogue's changes forget it at once.
_overview: ReferenceCache[str, Overview] = ReferenceCache("home_overview", seconds=600)
forget_on_change(_overview, ServiceItem, ServiceItemVersion)


def _load_overview() -> Overview:
    items = list(catalog_selectors.published_items())
    published = {item.code for item in items}
    # Only the last HOT_WINDOW counts: bounded work on the home's path however many
    # applications there are, and "hot" means filed lately, not filed ever.
    counts = filings_by_service(timezone.now() - HOT_WINDOW)
    hot = sorted((code for code in counts if code in published), key=lambda c: (-counts[c], c))
    hot = hot[:HOT_SERVICES]
    # Too few filings yet (a new installation): the services filed fully online fill in.
    for item in sorted(items, key=lambda item: item.code):
        if len(hot) >= HOT_SERVICES:
            break
        version = item.current_version
        if version is not None and version.is_filed_online and item.code not in hot:
            hot.append(item.code)
    return Overview(
        hot_codes=hot,
        departments=Counter(item.department_kind for item in items),
        levels=Counter(item.level for item in items),
    )


@dataclass(frozen=True)
class Link:
    title: str | Promise
    url: str
    count: int


@dataclass
class Catalogue:
    hot: list[ServiceItem]
    departments: list[Link]
    levels: list[Link]


def catalogue_overview() -> Catalogue:
    overview = _overview.get("", _load_overview)
    by_code = {
        item.code: item
        for item in catalog_selectors.published_items().filter(code__in=overview.hot_codes)
    }
    names = dict(DepartmentKind.choices)
    levels = dict(Level.choices)
    search = reverse("catalog:search")
    return Catalogue(
        hot=[by_code[code] for code in overview.hot_codes if code in by_code],
        departments=[
            Link(names.get(kind, kind), reverse("catalog:department", args=[kind]), count)
            for kind, count in overview.departments.most_common()
        ],
        levels=[
            Link(levels.get(level, str(level)), f"{search}?level={level}", count)
            for level, count in sorted(overview.levels.items())
        ],
    )


@dataclass
class LeftOff:
    """Where the person left off: drafts to finish and supplements asked of them."""

    drafts: list[Draft]
    supplements: list[Application]

    @property
    def is_empty(self) -> bool:
        return not (self.drafts or self.supplements)


def left_off(user: User) -> LeftOff:
    mine = applications_of(user)
    return LeftOff(
        drafts=list(drafts_of(user).select_related("item_version__item")[:3]),
        supplements=list(
            mine.filter(status=ApplicationStatus.AWAITING_SUPPLEMENTS).order_by("-submitted_at")[:3]
        ),
    )


SUGGESTIONS = 8


def suggestions(query: str) -> list[ServiceItem]:
    """The best matches of the catalogue's search (names, keywords and the synonym lexicon)."""
    return catalog_selectors.search_services(query, limit=SUGGESTIONS).items
