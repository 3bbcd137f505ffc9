"""The ledger's Ed25519 signing key, and the origin that names the log.

The key is a base64url 32-byte seed from `ONEWINDOW_LEDGER_KEY`, else from `VAR_DIR/ledger_key`,
generated on first use (`core.keyfiles.secret_from_env_or_file`).
"""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path

from django.conf import settings

from onewindow.core.keyfiles import secret_from_env_or_file
from onewindow.ledger.note import Signer, Verifier

DEFAULT_ORIGIN = "onewindow.example/ledger"


def origin() -> str:
    return str(getattr(settings, "LEDGER_ORIGIN", DEFAULT_ORIGIN))


def _seed_text() -> str:
    return secret_from_env_or_file(
        "ONEWINDOW_LEDGER_KEY", Path(settings.VAR_DIR) / "ledger_key", nbytes=32
    )


@cache
def _signer(name: str, seed_text: str) -> Signer:
    return Signer.from_seed(name, base64.urlsafe_b64decode(seed_text))


def signer() -> Signer:
    """The log's signer; its key name is the checkpoint origin, as tlog-checkpoint asks."""
    return _signer(origin(), _seed_text())


def verifier() -> Verifier:
    return signer().verifier
