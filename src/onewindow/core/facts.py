"""Helpers for the selectors that hand rows of facts to statistics (insights): a condition as
a 0/1 column that sums to a count the same way on SQLite and PostgreSQL."""

from __future__ import annotations

from django.db.models import Case, Exists, IntegerField, Q, Value, When


def flag(condition: Q | Exists) -> Case:
    """1 where the condition holds, else 0."""
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())
