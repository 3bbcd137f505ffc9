"""Stratified random samples: proportional allocation by the largest remainder, then a simple
random sample in each stratum, drawn from a seed so that anyone can draw it again."""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import DomainError


class SampleRefused(DomainError):
    code = "sample_invalid"


@dataclass(frozen=True)
class FrameMember:
    pk: int
    stratum: str


def allocate(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Split `total` over the strata in proportion to their sizes (Hamilton's method: floors,
    then one more to the largest remainders; ties go to the stratum named first)."""
    population = sum(sizes.values())
    if total > population:
        raise SampleRefused(
            _("The sample (%(sample)s) is larger than the sampling frame (%(frame)s residents)."),
            field="sample_size",
            params={"sample": total, "frame": population},
        )
    quotas = {name: total * size / population for name, size in sizes.items()}
    allocation = {name: math.floor(quota) for name, quota in quotas.items()}
    left = total - sum(allocation.values())
    for name in sorted(quotas, key=lambda n: (-(quotas[n] - allocation[n]), n))[:left]:
        allocation[name] += 1
    for name, count in allocation.items():
        if count > sizes[name]:  # cannot happen with proportional quotas; kept as the rule
            raise SampleRefused(
                _("Stratum %(stratum)s has %(size)s residents; %(count)s were asked for."),
                field="sample_size",
                params={"stratum": name, "size": sizes[name], "count": count},
            )
    return allocation


def draw(frame: Iterable[FrameMember], total: int, seed: int) -> dict[str, list[int]]:
    """The sample: for each stratum (in name order) the keys drawn, sorted."""
    strata: dict[str, list[int]] = defaultdict(list)
    for member in frame:
        strata[member.stratum].append(member.pk)
    allocation = allocate({name: len(pks) for name, pks in strata.items()}, total)
    rng = random.Random(seed)  # noqa: S311 (a reproducible sample from a published seed)
    drawn = {}
    for name in sorted(strata):
        drawn[name] = sorted(rng.sample(sorted(strata[name]), allocation[name]))
    return drawn


def digest(drawn: dict[str, list[int]]) -> str:
    """What the ledger keeps of a sample: SHA-256 of the strata and keys, canonical JSON."""
    text = json.dumps(drawn, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
