"""Typed helpers that read settings from the environment.

Every variable the platform reads is listed in `.env.example`.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from onewindow.core.keyfiles import (
    retired_keys,
    rsa_key_from_env_or_file,
    secret_from_env_or_file,
)

__all__ = [
    "env_bool",
    "env_list",
    "env_str",
    "redis_url_with_timeouts",
    "retired_keys",
    "rsa_key_from_env_or_file",
    "secret_from_env_or_file",
]


def redis_url_with_timeouts(url: str) -> str:
    """`url` with bounded connect and read timeouts unless it names its own: an unreachable
    Redis must fail a call within seconds, never hang it."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("socket_connect_timeout", "2")
    query.setdefault("socket_timeout", "5")
    return urlunsplit(parts._replace(query=urlencode(query)))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be a boolean (1/0, true/false, yes/no, on/off), not {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]
