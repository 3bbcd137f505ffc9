"""Settings of the processes the fault test starts (tests/web/test_faults.py).

The production settings, plus the probe app that writes down every task run and every SMS,
and tables made straight from the models (`migrate --run-syncdb`): the schema is the same
as the migrations make, in seconds instead of a minute, which the test's 2-minute budget
on 2 cores needs.
"""

from __future__ import annotations

from onewindow.config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.web.faults_probe.ProbeConfig"]  # noqa: F405


class _NoMigrations(dict[str, None]):
    """Every app's migrations off, as pytest-django's --nomigrations does."""

    def __contains__(self, app_label: object) -> bool:
        return True

    def __getitem__(self, app_label: str) -> None:
        return None


MIGRATION_MODULES = _NoMigrations()

# Pages are served from the source folders: no collectstatic (and its compression) needed.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
