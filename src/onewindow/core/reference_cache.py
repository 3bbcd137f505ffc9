"""Reference data kept per process: the catalogue's published versions, the map, the
departments, the data services. Read on every submission, changed rarely, by people.

A `ReferenceCache` is owned by the app whose data it holds; that app forgets it whenever
the data changes: its service says so where it publishes, and a save or delete of the models
(`forget_on_change`) says so wherever else a row is written (the admin, the seed, a test).
Forgetting happens at once and again when the writing transaction commits, so a reader
that loaded the old row in between cannot keep it. Rows read inside an open transaction
are not kept (they may yet roll back). Another process learns of a change within `seconds`,
the longest any entry is served.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# What another worker process may serve after a change made elsewhere.
DEFAULT_SECONDS = 30.0
_caches: list[ReferenceCache[Any, Any]] = []


class ReferenceCache(Generic[K, V]):
    """A per-process map from a key to reference data, with explicit forgetting."""

    def __init__(self, name: str, *, seconds: float = DEFAULT_SECONDS, size: int = 4096) -> None:
        self.name = name
        self.seconds = seconds
        self.size = size
        self._entries: dict[K, tuple[int, float, V]] = {}
        self._generation = 0
        self._lock = threading.Lock()
        _caches.append(self)

    def get(self, key: K, load: Callable[[], V]) -> V:
        """The cached value of `key`, or `load()` (kept when nothing changed meanwhile)."""
        entry = self._entries.get(key)
        now = time.monotonic()
        if entry is not None and entry[0] == self._generation and now - entry[1] < self.seconds:
            return entry[2]
        generation = self._generation
        value = load()
        if connection.in_atomic_block:
            return value
        with self._lock:
            if generation == self._generation:
                if key not in self._entries and len(self._entries) >= self.size:
                    self._entries.pop(next(iter(self._entries)), None)
                self._entries[key] = (generation, now, value)
        return value

    def forget(self) -> None:
        """Drop every entry now, and again when the current transaction commits."""
        self._forget_now()
        if connection.in_atomic_block:
            transaction.on_commit(self._forget_now)

    def _forget_now(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


def forget_all() -> None:
    """Forget every reference cache of the process (between tests: rows a test committed and
    then flushed must not answer for the next one)."""
    for cache in _caches:
        cache.forget()


def forget_on_change(cache: ReferenceCache[Any, Any], *models: type[Model]) -> None:
    """Forget `cache` whenever a row of one of `models` is saved or deleted."""

    def forget(**_kwargs: Any) -> None:
        cache.forget()

    for model in models:
        uid = f"reference-cache:{cache.name}:{model._meta.label}"
        post_save.connect(forget, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(forget, sender=model, weak=False, dispatch_uid=f"{uid}:delete")
