"""How the platform uses its database engines (config.settings._database)."""

from __future__ import annotations

import pytest
from django.db import connection

from onewindow.identity.models import User

pytestmark = pytest.mark.django_db


def test_postgresql_binds_parameters_and_prepares_a_statement_run_five_times(
    postgres_only: None,
) -> None:
    for _ in range(6):
        assert list(User.objects.filter(username="nobody-by-this-name")) == []

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]

    # Bound by the server ($1, not the value written into the text) and kept prepared.
    assert any('FROM "identity_user"' in text and '"username" = $1' in text for text in prepared)
    assert not any("nobody-by-this-name" in text for text in prepared)
