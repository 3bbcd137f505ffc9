"""Pages of the hotline: report, follow and rate (citizens), the agent's console, the
dispatcher's queue, the department's case page, scoreboard, trends, the public case wall,
reviews and rectification, mediation, partner keys; one module per sub-domain. Thin: parse,
call a service, render."""

from __future__ import annotations

from onewindow.grievances.views.handling import (
    console,
    decide_contest,
    decide_merge,
    dispatch,
    dispatch_case,
    work,
    work_case,
)
from onewindow.grievances.views.mediation import dispute, disputes
from onewindow.grievances.views.oversight import scoreboard, trends
from onewindow.grievances.views.partners import partners
from onewindow.grievances.views.public import case, home, mine, new, track, wall, wall_case
from onewindow.grievances.views.reviews import my_reviews, rectifications, review

__all__ = [
    "case",
    "console",
    "decide_contest",
    "decide_merge",
    "dispatch",
    "dispatch_case",
    "dispute",
    "disputes",
    "home",
    "mine",
    "my_reviews",
    "new",
    "partners",
    "rectifications",
    "review",
    "scoreboard",
    "track",
    "trends",
    "wall",
    "wall_case",
    "work",
    "work_case",
]
