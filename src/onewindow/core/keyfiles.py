"""Key files under var/, made on first use: free of Django so settings can use it at start,
and low enough in the layers that apps' commands (key rotation) use the same code."""

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
