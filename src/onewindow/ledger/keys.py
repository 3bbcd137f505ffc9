"""The ledger's Ed25519 signing key, and the origin that names the log.

The key is a base64url 32-byte seed from `ONEWINDOW_LEDGER_KEY`, else from `VAR_DIR/ledger_key`,
generated on first use. (The same rule as `config.env.secret_from_env_or_file`; ledger sits
below config, so it cannot import it.)
"""

from __future__ import annotations

import base64
import os
import secrets
from functools import cache
from pathlib import Path

from django.conf import settings

from onewindow.ledger.note import Signer, Verifier

DEFAULT_ORIGIN = "onewindow.example/ledger"


def origin() -> str:
    return str(getattr(settings, "LEDGER_ORIGIN", DEFAULT_ORIGIN))


def _seed_text() -> str:
    value = os.environ.get("ONEWINDOW_LEDGER_KEY", "").strip()
    if value:
        return value
    path = Path(settings.VAR_DIR) / "ledger_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
    try:  # O_EXCL: two processes starting at once must not both write a different key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    return value


@cache
def _signer(name: str, seed_text: str) -> Signer:
    return Signer.from_seed(name, base64.urlsafe_b64decode(seed_text))


def signer() -> Signer:
    """The log's signer; its key name is the checkpoint origin, as tlog-checkpoint asks."""
    return _signer(origin(), _seed_text())


def verifier() -> Verifier:
    return signer().verifier
