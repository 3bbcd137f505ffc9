"""The administrative map's vocabulary: levels, code formats, urban–rural classes, regions."""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    NATION = 1, _("Nation")
    PROVINCE = 2, _("Province")
    CITY = 3, _("Prefecture city")
    COUNTY = 4, _("County or district")
    TOWNSHIP = 5, _("Township or street")
    VILLAGE = 6, _("Village or community")


class UrbanRural(models.TextChoices):
    """The statistical urban–rural classification codes (统计用城乡划分代码)."""

    MAIN_URBAN = "111", _("Main urban area")
    URBAN_RURAL_FRINGE = "112", _("Urban–rural fringe")
    TOWN_CENTRE = "121", _("Town centre")
    TOWN_FRINGE = "122", _("Town–rural fringe")
    SPECIAL_AREA = "123", _("Special area")
    RURAL_CENTRE = "210", _("Township centre")
    VILLAGE = "220", _("Village")

    @classmethod
    def is_urban(cls, code: str) -> bool:
        return code.startswith("1")


class EconomicRegion(models.TextChoices):
    EAST = "east", _("Eastern region")
    CENTRAL = "central", _("Central region")
    WEST = "west", _("Western region")
    NORTHEAST = "northeast", _("Northeastern region")


NATION_CODE = "000000"

# GB/T 2260 six-digit codes above the township; statistical 9- and 12-digit codes below.
_CODE_PATTERNS: dict[int, re.Pattern[str]] = {
    Level.NATION: re.compile(r"^000000$"),
    Level.PROVINCE: re.compile(r"^[1-8]\d0000$"),
    Level.CITY: re.compile(r"^[1-8]\d(?!00)\d{2}00$"),
    Level.COUNTY: re.compile(r"^[1-8]\d{3}(?!00)\d{2}$"),
    Level.TOWNSHIP: re.compile(r"^[1-8]\d{5}(?!000)\d{3}$"),
    Level.VILLAGE: re.compile(r"^[1-8]\d{8}(?!000)\d{3}$"),
}


def code_matches_level(code: str, level: int) -> bool:
    return bool(_CODE_PATTERNS[level].match(code))
