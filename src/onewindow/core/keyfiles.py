"""Secrets and signing keys kept as files under `var/` (mode 0600) unless given in the
environment.

Used by the settings (through `onewindow.config.env`), the ledger's key and the commands that
rotate keys; plain Python and `cryptography`, so it can run before Django is configured.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable
from pathlib import Path


def _kept_or_made(name: str, path: Path, make: Callable[[], str]) -> str:
    """The text in the environment variable `name`, else the file at `path`, else `make()`
    written to `path` (owner-only) on first use.

    Surrounding white space is not part of the value. O_EXCL: when two processes start at once,
    the one that loses the race reads the winner's file instead of writing a different key.
    """
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    value = make().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    return value


def secret_from_env_or_file(name: str, path: Path, *, nbytes: int) -> str:
    """Return the secret in `name`, else the one kept in `path`, generating `nbytes` random
    bytes (base64url) on first run.

    The generated file is readable by its owner only and lives under `var/`, which git ignores.
    """
    return _kept_or_made(
        name, path, lambda: base64.urlsafe_b64encode(secrets.token_bytes(nbytes)).decode("ascii")
    )


def rsa_key_from_env_or_file(name: str, path: Path) -> str:
    """Return the PEM private key in `name`, else the one in `path`, generating a 2048-bit RSA
    key on first run (mode 0600, like the other keys under `var/`)."""
    return _kept_or_made(name, path, _new_rsa_pem)


def _new_rsa_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def retired_keys(directory: Path) -> list[str]:
    """PEM keys retired by a rotation, oldest first: still published so tokens they signed
    verify until they expire. Read as `_kept_or_made` reads them (without surrounding white
    space), so a retired key is the very text that was in use."""
    if not directory.is_dir():
        return []
    return [item.read_text(encoding="ascii").strip() for item in sorted(directory.glob("*.pem"))]
