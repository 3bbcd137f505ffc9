"""'Double random, one public': plans are fixed before the draw, the draw is seeded by a
ledger checkpoint signed afterwards, and anyone recomputes it with `onewindow-redraw`."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from onewindow.core.errors import Conflict, DomainError
from onewindow.core.models import Division
from onewindow.ledger.models import LedgerEntry
from onewindow.supervision import redraw, services
from onewindow.supervision.models import Inspection, PlanStatus
from tests.supervision import factories

REDRAW = Path(redraw.__file__)


@pytest.fixture
def world(divisions: dict[str, Division]) -> factories.World:
    return factories.world(divisions)


def _publish(tmp_path: Path, plan: Any) -> dict[str, Path]:
    """What the public plan page offers for download, written to files."""
    files = {
        "plan": tmp_path / "plan.json",
        "population": tmp_path / "population.json",
        "checkpoint": tmp_path / "checkpoint.txt",
        "draw": tmp_path / "draw.json",
    }
    files["plan"].write_text(json.dumps(plan.document, ensure_ascii=False), encoding="utf-8")
    files["population"].write_text(json.dumps(plan.population, ensure_ascii=False), "utf-8")
    files["checkpoint"].write_text(plan.draw.checkpoint_note, encoding="utf-8")
    files["draw"].write_text(json.dumps(plan.draw.document, ensure_ascii=False), "utf-8")
    return files


def _redraw(files: dict[str, Path], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run the published script as a citizen would: the console script when installed, and
    always a copy of the module alone under `python -I -S` (no site-packages: stdlib only)."""
    arguments = [f"--{name}={path}" for name, path in files.items()]
    installed = shutil.which("onewindow-redraw", path=str(Path(sys.executable).parent))
    if installed:
        subprocess.run(  # noqa: S603  (the installed script, our own files)
            [installed, *arguments], capture_output=True, text=True, check=False
        )
    alone = tmp_path / "redraw_alone.py"
    shutil.copy(REDRAW, alone)
    return subprocess.run(  # noqa: S603  (our own module, our own files)
        [sys.executable, "-I", "-S", str(alone), *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )


@pytest.mark.django_db
def test_redraw_reproduces_the_published_draw_and_fails_on_any_altered_input(
    world: factories.World, tmp_path: Path
) -> None:
    plan = factories.drawn_plan(world)
    files = _publish(tmp_path, plan)

    reproduced = _redraw(files, tmp_path)
    assert reproduced.returncode == 0, reproduced.stderr
    assert "Reproduced: 3 visits match the published draw." in reproduced.stdout

    # The plan altered: a bigger sample.
    altered = dict(plan.document, sample_size=4)
    files["plan"].write_text(json.dumps(altered), encoding="utf-8")
    refused = _redraw(files, tmp_path)
    assert refused.returncode == 1
    assert "The plan was changed" in refused.stderr
    files["plan"].write_text(json.dumps(plan.document, ensure_ascii=False), encoding="utf-8")

    # The population altered: one business's grade improved.
    population = [dict(row) for row in plan.population]
    population[0]["grade"] = "A" if population[0]["grade"] != "A" else "B"
    files["population"].write_text(json.dumps(population), encoding="utf-8")
    refused = _redraw(files, tmp_path)
    assert refused.returncode == 1
    assert "The population does not match the plan" in refused.stderr
    files["population"].write_text(json.dumps(plan.population, ensure_ascii=False), "utf-8")

    # The checkpoint altered: another root hash.
    lines = plan.draw.checkpoint_note.split("\n")
    lines[2] = "A" * len(lines[2])
    files["checkpoint"].write_text("\n".join(lines), encoding="utf-8")
    refused = _redraw(files, tmp_path)
    assert refused.returncode == 1
    assert "The checkpoint is not the one the published draw names" in refused.stderr


@pytest.mark.django_db
def test_the_seed_comes_from_the_first_checkpoint_signed_after_the_plan_was_fixed(
    world: factories.World,
) -> None:
    plan = factories.drawn_plan(world)

    assert plan.fixed_ledger_index is not None
    assert plan.draw.checkpoint_size > plan.fixed_ledger_index  # covers the plan's entry
    assert plan.draw.document["plan_sha256"] == plan.plan_sha256
    fixed = LedgerEntry.objects.get(index=plan.fixed_ledger_index)
    assert fixed.event_type == "supervision.plan_fixed"
    assert LedgerEntry.objects.filter(event_type="supervision.draw").count() == 1
    assert Inspection.objects.filter(plan=plan).count() == 3
    for inspection in Inspection.objects.filter(plan=plan):
        assert inspection.inspectors.count() == 2


@pytest.mark.django_db
def test_a_checkpoint_signed_before_the_plan_was_fixed_is_refused(
    world: factories.World, tmp_path: Path
) -> None:
    plan = factories.drawn_plan(world)
    published = dict(plan.draw.document, plan_ledger_index=plan.draw.checkpoint_size)

    with pytest.raises(redraw.DrawError, match="signed before the plan"):
        redraw.verify(published, plan.document, plan.population, plan.draw.checkpoint_note)


@pytest.mark.django_db
def test_a_draw_before_the_plan_is_fixed_is_refused(world: factories.World) -> None:
    plan = services.draft_plan(world["supervisor"], factories.plan_input())

    with pytest.raises(DomainError) as refused:
        services.draw_plan(world["supervisor"], plan)

    assert refused.value.code == "plan_not_fixed"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert not Inspection.objects.exists()


@pytest.mark.django_db
def test_a_plan_is_drawn_once(world: factories.World) -> None:
    plan = factories.drawn_plan(world)

    with pytest.raises(Conflict):
        services.draw_plan(world["supervisor"], plan)
    with pytest.raises(Conflict):
        services.fix_plan(world["supervisor"], plan)


@pytest.mark.django_db
def test_an_empty_population_is_refused_when_fixing(world: factories.World) -> None:
    plan = services.draft_plan(world["supervisor"], factories.plan_input(industry_codes=["C13"]))

    with pytest.raises(DomainError) as refused:
        services.fix_plan(world["supervisor"], plan)

    assert refused.value.code == "population_empty"
    assert refused.value.field == "sample_size"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert plan.fixed_ledger_index is None


@pytest.mark.django_db
def test_a_population_smaller_than_the_sample_is_refused(world: factories.World) -> None:
    plan = services.draft_plan(world["supervisor"], factories.plan_input(sample_size=13))

    with pytest.raises(DomainError) as refused:
        services.fix_plan(world["supervisor"], plan)

    assert refused.value.code == "population_smaller_than_sample"
    assert "12" in str(refused.value)
    assert "13" in str(refused.value)
    assert not LedgerEntry.objects.filter(event_type="supervision.plan_fixed").exists()


@pytest.mark.django_db
def test_an_inspector_with_a_declared_relation_is_never_drawn_for_that_business(
    world: factories.World,
) -> None:
    related = world["inspectors"][0]
    for business in world["businesses"]:
        services.declare_relation(related, business, relation="配偶经营")

    plan = factories.drawn_plan(world)

    assert related.certificate_number in {i["ref"] for i in plan.document["inspectors"]}
    assert not Inspection.objects.filter(plan=plan, inspectors=related).exists()


@pytest.mark.django_db
def test_a_draw_without_enough_inspectors_free_of_conflict_is_refused(
    world: factories.World, divisions: dict[str, Division]
) -> None:
    for inspector in world["inspectors"][:3]:
        inspector.user.division = divisions["street"]  # they live where the businesses are
        inspector.user.save(update_fields=["division"])
    plan = services.fix_plan(
        world["supervisor"], services.draft_plan(world["supervisor"], factories.plan_input())
    )

    with pytest.raises(DomainError) as refused:
        services.draw_plan(world["supervisor"], plan)

    assert refused.value.code == "draw_impossible"
    assert "fewer than 2" in str(refused.value)
    assert not Inspection.objects.exists()


@pytest.mark.django_db
def test_a_joint_plan_sends_one_visit_with_inspectors_of_each_department(
    world: factories.World,
) -> None:
    plan = factories.drawn_plan(
        world,
        department_codes=[factories.MARKET, factories.HEALTH],
        item_codes=[factories.FOOD_ITEM, factories.HYGIENE_ITEM],
        inspectors_per_department=1,
    )

    visits = Inspection.objects.filter(plan=plan)
    assert visits.count() == 3  # one visit per business, not one per department
    for visit in visits:
        assert sorted(i.department.code for i in visit.inspectors.all()) == sorted(
            [factories.MARKET, factories.HEALTH]
        )


# ----- the algorithm alone (no database) -----------------------------------------------------

GRADES = st.sampled_from(sorted(redraw.WEIGHTS))


def _population(grades: list[str]) -> list[dict[str, Any]]:
    return [
        {"credit_code": f"91330106MA{n:08d}", "division": "330106001", "grade": grade}
        for n, grade in enumerate(grades)
    ]


def _plan(
    population: list[dict[str, Any]], sample: int, inspectors: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "algorithm": redraw.ALGORITHM,
        "departments": ["A"],
        "inspectors_per_department": 1,
        "sample_size": sample,
        "weights": dict(redraw.WEIGHTS),
        "population_sha256": redraw.population_digest(population),
        "inspectors": inspectors,
    }


NOTE = "example.org/log\n42\nAAAA\n\n— example.org/log abc\n"


@settings(max_examples=60, deadline=None)
@given(
    grades=st.lists(GRADES, min_size=1, max_size=40),
    sample=st.integers(min_value=1, max_value=40),
    related=st.sets(st.integers(min_value=0, max_value=39), max_size=10),
    note=st.text(min_size=1, max_size=30),
)
def test_the_draw_is_deterministic_has_no_duplicates_and_respects_exclusions(
    grades: list[str], sample: int, related: set[int], note: str
) -> None:
    population = _population(grades)
    sample = min(sample, len(population))
    codes = [row["credit_code"] for row in population]
    inspectors = [
        {
            "ref": "X1",
            "department": "A",
            "residence": "",
            "related": [codes[i] for i in related if i < len(codes)],
            "last_target": "",
        },
        {"ref": "X2", "department": "A", "residence": "", "related": [], "last_target": codes[-1]},
        {"ref": "X3", "department": "A", "residence": "", "related": [], "last_target": ""},
    ]
    plan = _plan(population, sample, inspectors)
    checkpoint = "example.org/log\n42\nAAAA\n\n" + note

    first = redraw.compute_draw(plan, population, checkpoint)
    again = redraw.compute_draw(plan, list(reversed(population)), checkpoint)

    assert first == again  # the order the list is given in does not matter
    drawn = [visit["credit_code"] for visit in first["visits"]]
    assert len(drawn) == sample
    assert len(set(drawn)) == sample
    for visit in first["visits"]:
        (chosen,) = visit["inspectors"]
        conflicted = next(i for i in inspectors if i["ref"] == chosen)
        assert visit["credit_code"] not in conflicted["related"]
        assert visit["credit_code"] != conflicted["last_target"]


@given(grades=st.lists(GRADES, min_size=1, max_size=10), extra=st.integers(1, 5))
def test_a_sample_larger_than_the_population_is_refused(grades: list[str], extra: int) -> None:
    population = _population(grades)
    plan = _plan(population, len(population) + extra, [])

    with pytest.raises(redraw.DrawError, match="fewer than the sample"):
        redraw.compute_draw(plan, population, NOTE)


def test_worse_credit_is_drawn_as_often_as_the_published_weights_say() -> None:
    # Given two businesses of each grade, and 8,000 independent draws of one business
    population = _population(["A", "A", "B", "B", "C", "C", "D", "D"])
    counts: Counter[str] = Counter()
    draws = 8000
    for n in range(draws):
        seed = hashlib.sha256(f"chi-square {n}".encode()).digest()
        (index,) = redraw.draw_targets(seed, population, redraw.WEIGHTS, 1)
        counts[population[index]["grade"]] += 1

    # Then the first pick's frequency per grade is 2w / sum(2w) (Efraimidis–Spirakis)
    total = sum(2 * w for w in redraw.WEIGHTS.values())
    grades = sorted(redraw.WEIGHTS)
    expected = [draws * 2 * redraw.WEIGHTS[g] / total for g in grades]
    result = chisquare([counts[g] for g in grades], expected)
    assert result.pvalue > 0.001, (counts, expected)
    assert counts["D"] > 6 * counts["A"]  # 8:1 in the weights


def test_weights_must_be_powers_of_two_so_keys_are_exact_everywhere() -> None:
    with pytest.raises(redraw.DrawError, match="power of two"):
        redraw.check_weights({"A": 3})


# ----- plan validation ------------------------------------------------------------------------


@given(
    sample=st.integers(min_value=-5, max_value=10_000),
    per_department=st.integers(min_value=-2, max_value=9),
    days=st.integers(min_value=-400, max_value=400),
    industry=st.lists(st.text(max_size=6), max_size=4),
    divisions=st.lists(st.text(alphabet="0123456789x", max_size=13), max_size=4),
)
def test_plan_validation_names_the_field_of_each_broken_rule(
    sample: int, per_department: int, days: int, industry: list[str], divisions: list[str]
) -> None:
    from datetime import date, timedelta

    values = services.PlanInput(
        title="抽查",
        item_codes=["X"],
        department_codes=["D"],
        industry_codes=industry,
        division_codes=divisions,
        licence_types=[],
        sample_size=sample,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 1) + timedelta(days=days),
        inspectors_per_department=per_department,
    )

    fields = {field for field, _message in services.plan_errors(values)}

    assert ("sample_size" in fields) == (sample < 1)
    assert ("inspectors_per_department" in fields) == (not 1 <= per_department <= 5)
    assert ("period_end" in fields) == (days < 0)
    assert ("industry_codes" in fields) == any(
        not services.INDUSTRY_CODE.fullmatch(code) for code in industry
    )
    assert ("division_codes" in fields) == any(
        not services.DIVISION_CODE.fullmatch(code) for code in divisions
    )


@pytest.mark.django_db
def test_licence_filter_keeps_the_businesses_holding_any_listed_licence(
    world: factories.World,
) -> None:
    food, hygiene, both, neither = world["businesses"][:4]
    services.register_subject(hygiene, industry_code="H6210", licence_types=["hygiene"])
    services.register_subject(
        both, industry_code="H6210", licence_types=["hygiene", "food_business", "hygiene"]
    )
    services.register_subject(neither, industry_code="H6210", licence_types=[])
    plan = services.draft_plan(
        world["supervisor"], factories.plan_input(licence_types=["hygiene", "tobacco"])
    )

    population = {s.business.pk for s in services.population_of(plan)}

    assert population >= {hygiene.pk, both.pk}
    assert not population & {food.pk, neither.pk}
    assert sorted(both.supervision_profile.licences.values_list("licence_type", flat=True)) == [
        "food_business",
        "hygiene",
    ]
