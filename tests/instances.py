"""OneWindow instances that tests start as real processes: where their files come from."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQLITE_FILE = "onewindow.sqlite3"


def copy_migrated_sqlite(template: Path, folder: Path) -> Path:
    """Put a copy of the migrated template into `folder` (an ONEWINDOW_VAR_DIR) and return it.
    Only the database is copied: each instance still generates its own keys."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(template, folder / SQLITE_FILE))
