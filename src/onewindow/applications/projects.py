"""Investment projects (投资项目): the project code given at acceptance, and what the public
sees of a project (its approval stages, as the national online approval platform publishes
them).

The code has the form of the national online approval and supervision platform for
investment projects: `YYYY-DDDDDD-II-TT-NNNNNN`, the year of acceptance, the 6-digit code of
the division whose authority accepted it (GB/T 2260), a 2-digit industry division of GB/T
4754-2017, the 2-digit kind of procedure (01 examination, 02 approval (核准), 03 filing) and a
6-digit sequence per year and division. Our form asks for one of four industries; each maps to
the first division of its GB/T 4754 section (documented in docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from onewindow.applications.filing import next_number
from onewindow.applications.models import Application, Step
from onewindow.applications.selectors import TimelineRow, timeline
from onewindow.applications.workflow.engine import record_transition
from onewindow.catalog.form_schema import display_value
from onewindow.identity.models import User

# Section C manufacturing → 13, D energy → 44, G transport → 53, L/M business services → 72.
INDUSTRY_DIVISIONS = {"manufacturing": "13", "energy": "44", "transport": "53", "services": "72"}
OTHER_INDUSTRY = "99"
APPROVAL_PROCEDURE = "02"  # 核准
CODE_PATTERN = re.compile(r"^\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$")


def project_code_of(application: Application, now: datetime) -> str:
    """A new code for the project (takes the next number of its year and division)."""
    year = timezone.localtime(now).year
    division = application.division.code[:6]
    industry = INDUSTRY_DIVISIONS.get(
        str(application.form_data.get("industry", "")), OTHER_INDUSTRY
    )
    number = next_number(f"TZ{year}-{division}")
    return f"{year}-{division}-{industry}-{APPROVAL_PROCEDURE}-{number:06d}"


def give_project_code(application: Application, step: Step, actor: User, now: datetime) -> str:
    """Inside the acceptance's transaction (the application row is locked): give the
    project its code, once, and write it in the record the applicant reads."""
    if application.project_code:
        return application.project_code
    application.project_code = project_code_of(application, now)
    application.save(update_fields=["project_code"])
    record_transition(
        application,
        step,
        "project_coded",
        actor,
        step.status,
        step.status,
        reason=application.project_code,
        actor_role=step.role,
    )
    return application.project_code


# ----- what the public sees -------------------------------------------------------------------


@dataclass
class PublicProject:
    """A project as anyone may read it: no person's data, only the company's."""

    application: Application
    stages: list[TimelineRow]

    @property
    def code(self) -> str:
        return self.application.project_code

    @property
    def name(self) -> str:
        return str(self.application.form_data.get("project_name", ""))

    @property
    def company(self) -> str:
        business = self.application.business
        return business.name if business is not None else ""

    @property
    def facts(self) -> list[tuple[str, str]]:
        """Industry, site and investment, labelled in the reader's language."""
        from onewindow.catalog.form_schema import label_of

        schema = self.application.item_version.form_schema
        return [
            (label_of(schema, name), str(display_value(schema, name, value)))
            for name, value in self.application.form_data.items()
            if name in ("industry", "site_address", "total_investment_wan")
        ]


def _projects() -> QuerySet[Application]:
    return (
        Application.objects.exclude(project_code="")
        .select_related("business", "item_version__item", "division")
        .order_by("-submitted_at")
    )


def public_project(code: str) -> PublicProject | None:
    """The project with this code, with its stages, or None."""
    if not CODE_PATTERN.match(code):
        return None
    application = _projects().filter(project_code=code).first()
    if application is None:
        return None
    return PublicProject(application, timeline(application))


def find_projects(query: str, *, limit: int = 20) -> list[Application]:
    """Projects whose code contains `query` (digits and dashes), newest first; the newest
    projects when `query` is empty."""
    query = "".join(ch for ch in query if ch.isascii() and (ch.isdigit() or ch == "-"))[:24]
    found = _projects()
    if query:
        found = found.filter(project_code__contains=query)
    return list(found[:limit])
