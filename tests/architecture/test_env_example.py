"""`.env.example` lists every variable the settings read from the environment."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_of_the_settings_is_in_env_example() -> None:
    settings_source = (ROOT / "src/onewindow/config/settings.py").read_text(encoding="utf-8")
    read = set(
        re.findall(
            r'(?:env_\w+|secret_from_env_or_file|rsa_key_from_env_or_file)\(\s*"([A-Z0-9_]+)"',
            settings_source,
        )
    )
    listed = set(
        re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(encoding="utf-8"), re.M)
    )

    assert read
    assert read - listed == set()
