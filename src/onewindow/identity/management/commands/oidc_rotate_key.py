"""`onewindow oidc-rotate-key`: a new RS256 key signs ID tokens from the next start; the old
one moves to var/oidc_retired/ and stays in the JWKS so tokens it signed still verify.

Restart every server afterwards (settings read the keys at start). Retired keys older than
`--keep-days` (default 2: far beyond the one-hour ID token lifetime) are removed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from onewindow.core.keyfiles import rsa_key_from_env_or_file


class Command(BaseCommand):
    help = "Rotate the key that signs OpenID Connect ID tokens (file-based keys only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--keep-days", type=float, default=2.0)

    def handle(self, *args: Any, keep_days: float, **options: Any) -> None:
        if os.environ.get("ONEWINDOW_OIDC_KEY", "").strip():
            raise CommandError(
                "The key comes from ONEWINDOW_OIDC_KEY: rotate it in your configuration "
                "(publish the old one through var/oidc_retired/ until its tokens expire)."
            )
        current = Path(settings.OIDC_KEY_FILE)
        retired_dir = Path(settings.OIDC_RETIRED_DIR)
        retired_dir.mkdir(parents=True, exist_ok=True)
        if current.exists():
            stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
            current.rename(retired_dir / f"{stamp}.pem")
        rsa_key_from_env_or_file("ONEWINDOW_OIDC_KEY", current)
        cutoff = time.time() - keep_days * 86400
        removed = 0
        for old in retired_dir.glob("*.pem"):
            if old.stat().st_mtime < cutoff:
                old.unlink()
                removed += 1
        self.stdout.write(
            f"New ID token key in {current}; {len(list(retired_dir.glob('*.pem')))} retired "
            f"key(s) still published, {removed} removed. Restart the servers to use it."
        )
