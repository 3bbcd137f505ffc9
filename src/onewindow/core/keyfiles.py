"""Signing keys kept as files under `var/` (mode 0600) unless given in the environment.

Used by the settings (through `onewindow.config.env`) and by commands that rotate keys;
plain Python and `cryptography`, so it can run before Django is configured.
"""

from __future__ import annotations

import os
from pathlib import Path


def rsa_key_from_env_or_file(name: str, path: Path) -> str:
    """Return the PEM private key in `name`, else the one in `path`, generating a 2048-bit RSA
    key on first run (mode 0600, like the other keys under `var/`)."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if path.exists():
        return path.read_text(encoding="ascii")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii")
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(pem)
    return pem


def retired_keys(directory: Path) -> list[str]:
    """PEM keys retired by a rotation, oldest first: still published so tokens they signed
    verify until they expire."""
    if not directory.is_dir():
        return []
    return [item.read_text(encoding="ascii") for item in sorted(directory.glob("*.pem"))]
