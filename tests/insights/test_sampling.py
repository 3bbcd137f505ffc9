"""The stratified sampler: proportional strata, the same sample from the same seed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onewindow.insights import sampling


def frame(sizes: dict[str, int]) -> list[sampling.FrameMember]:
    members, pk = [], 0
    for stratum, size in sizes.items():
        for _ in range(size):
            pk += 1
            members.append(sampling.FrameMember(pk, stratum))
    return members


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.dictionaries(
        st.from_regex(r"\A3301\d\d/(urban|rural)/(under-30|65-plus)\Z"),
        st.integers(min_value=1, max_value=400),
        min_size=1,
        max_size=12,
    ),
    share=st.floats(min_value=0.0, max_value=1.0),
    seed=st.integers(min_value=0, max_value=2**63),
)
def test_strata_get_their_share_within_one_and_the_seed_repeats(
    sizes: dict[str, int], share: float, seed: int
) -> None:
    population = sum(sizes.values())
    total = round(population * share)

    drawn = sampling.draw(frame(sizes), total, seed)

    assert sum(len(pks) for pks in drawn.values()) == total
    for stratum, size in sizes.items():
        assert abs(len(drawn[stratum]) - total * size / population) < 1
        assert len(set(drawn[stratum])) == len(drawn[stratum])
    assert sampling.draw(frame(sizes), total, seed) == drawn
    assert sampling.digest(sampling.draw(list(reversed(frame(sizes))), total, seed)) == (
        sampling.digest(drawn)
    )


def test_another_seed_draws_another_sample() -> None:
    members = frame({"a": 500, "b": 300})

    assert sampling.draw(members, 150, 1) != sampling.draw(members, 150, 2)


def test_a_sample_larger_than_the_frame_is_refused_naming_both() -> None:
    with pytest.raises(sampling.SampleRefused) as refused:
        sampling.draw(frame({"a": 3, "b": 2}), 6, 1)

    assert refused.value.field == "sample_size"
    assert "6" in str(refused.value)
    assert "5" in str(refused.value)
