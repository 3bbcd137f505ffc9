"""A database of a test's own for the servers it starts: a copy of the migrated test database
with what the test put in it (committed: use `django_db(transaction=True)`). On SQLite a file
made with SQLite's backup API; on PostgreSQL a database created with the test database as its
template and dropped by `drop()`, never the shared one. Copying takes well under a second,
where migrating a new database takes a minute on a loaded machine."""

from __future__ import annotations

import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections


class Database:
    """This test's own copy of the test database, and how to reach it."""

    def __init__(self, folder: Path) -> None:
        self.vendor = connection.vendor
        self.folder = folder
        self.name = f"copy_{uuid.uuid4().hex[:12]}"
        self.url = ""

    def copy_test_database(self) -> None:
        if self.vendor == "sqlite":
            path = self.folder / "onewindow.sqlite3"
            connection.ensure_connection()
            with sqlite3.connect(path) as target:
                connection.connection.backup(target)
            target.close()
            self.url = f"sqlite:///{path}"
            return
        template = connection.settings_dict["NAME"]
        # CREATE DATABASE ... TEMPLATE needs the template without sessions: close ours.
        for alias in connections:
            connections[alias].close()
            close_pool = getattr(connections[alias], "close_pool", None)
            if close_pool is not None:
                close_pool()
        self._admin(f'CREATE DATABASE "{self.name}" TEMPLATE "{template}"', attempts=20)
        base = settings.DATABASES["default"]
        port = base.get("PORT") or 5432
        self.url = f"postgresql://{base['USER']}@{base['HOST']}:{port}/{self.name}"

    def _admin(self, sql: str, *, attempts: int = 1) -> None:
        import psycopg

        base = settings.DATABASES["default"]
        for attempt in range(attempts):
            try:
                with psycopg.connect(
                    host=base["HOST"],
                    port=base.get("PORT") or 5432,
                    user=base["USER"],
                    password=base.get("PASSWORD") or None,
                    dbname="postgres",
                    autocommit=True,
                ) as admin:
                    admin.execute(sql.encode())
                return
            except psycopg.errors.ObjectInUse:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.25)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.folder / "onewindow.sqlite3") as copy:
                found = copy.execute(sql).fetchall()
            copy.close()
            return found
        import psycopg

        with psycopg.connect(self.url) as database:
            return database.execute(sql.encode()).fetchall()

    def drop(self) -> None:
        if self.vendor == "postgresql" and self.url:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
