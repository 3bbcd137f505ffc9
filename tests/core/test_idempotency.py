"""What counts as "the same request" for an Idempotency-Key: the same JSON, however it is
serialised; any other JSON is another request."""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from onewindow.core.idempotency import request_digest

scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: _shuffled(inner, rng) for key, inner in items}
    if isinstance(value, list):
        return [_shuffled(inner, rng) for inner in value]
    return value


@given(documents, st.integers(min_value=0, max_value=2**32), st.sampled_from([None, 1, 4]))
def test_the_same_json_in_any_key_order_and_spacing_is_the_same_request(
    document: Any, seed: int, indent: int | None
) -> None:
    again = json.dumps(_shuffled(document, random.Random(seed)), indent=indent, ensure_ascii=False)

    assert request_digest(again.encode()) == request_digest(json.dumps(document).encode())


@given(documents, documents)
def test_other_json_is_another_request(one: Any, other: Any) -> None:
    same = json.dumps(one, sort_keys=True) == json.dumps(other, sort_keys=True)

    assert (
        request_digest(json.dumps(one).encode()) == request_digest(json.dumps(other).encode())
    ) == same


def test_a_body_that_is_not_json_is_compared_byte_for_byte() -> None:
    assert request_digest(b"a=1&b=2") == request_digest(b"a=1&b=2")
    assert request_digest(b"a=1&b=2") != request_digest(b"b=2&a=1")
