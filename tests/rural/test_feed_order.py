"""The partner feed never passes over a change: two real transactions on PostgreSQL, the one
keyed first committing last, with a partner reading in between."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.models.signals import post_save

from onewindow.core.models import Division
from onewindow.rural import selectors, services
from onewindow.rural.models import Listing, ListingChange
from tests.identity.factories import citizen, resident_id
from tests.rural import factories


class KeyedThenPaused:
    """Holds the thread named `slow` right after its change took its feed key (before the
    rest of its transaction and its commit), until `resume` is set."""

    def __init__(self) -> None:
        self.keyed, self.resume = threading.Event(), threading.Event()

    def __call__(self, sender: Any, **kwargs: Any) -> None:
        if threading.current_thread().name == "slow":
            self.keyed.set()
            self.resume.wait(10)


@pytest.fixture
def pause() -> Iterator[KeyedThenPaused]:
    held = KeyedThenPaused()
    post_save.connect(held, sender=ListingChange, weak=False)
    yield held
    held.resume.set()
    post_save.disconnect(held, sender=ListingChange)


def _read_feed(cursor: int, seen: list[str]) -> int:
    """What a partner does: every listing changed after its cursor, then the new cursor."""
    for listing in selectors.feed(cursor):
        seen.append(listing.ref)
        cursor = listing.feed_position
    return cursor


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_after_a_later_one_is_still_in_the_feed(
    postgres_only: None, divisions: dict[str, Division], pause: KeyedThenPaused
) -> None:
    # Given two open listings a partner has read up to the end
    factories.agriculture(divisions["city"])
    farmer = citizen(divisions["village"], id_number=resident_id(division_code="330127"))
    producer = factories.producer(farmer, divisions["village"])
    first, second = (factories.listing(farmer, producer, product=name) for name in ("茶", "笋"))
    cursor = _read_feed(0, [])
    seen: list[str] = []

    def close(listing: Listing) -> None:
        try:  # each thread its own connection, so its own transaction
            services.close_listing(farmer, Listing.objects.get(pk=listing.pk))
        finally:
            connection.close()

    # When the first closing takes its feed key and stalls before committing, the second
    # closing is made, the partner reads, and only then the first commits
    slow = threading.Thread(target=close, args=(first,), name="slow")
    slow.start()
    assert pause.keyed.wait(10)
    fast = threading.Thread(target=close, args=(second,), name="fast")
    fast.start()
    fast.join(timeout=1)  # keys commit in order: it waits for the first (not joined)
    second_committed_first = not fast.is_alive()
    cursor = _read_feed(cursor, seen)
    pause.resume.set()
    slow.join(10)
    fast.join(10)
    assert not slow.is_alive()
    assert not fast.is_alive()
    cursor = _read_feed(cursor, seen)

    # Then the partner has seen both changes, each once, in the order they committed
    assert sorted(seen) == sorted([first.ref, second.ref])
    assert seen == [first.ref, second.ref]
    assert not second_committed_first
    assert _read_feed(cursor, []) == cursor  # and nothing more
