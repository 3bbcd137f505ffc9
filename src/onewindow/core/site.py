"""The one public address of this instance. Every absolute link the platform writes (status
lists and issuer identifiers in credentials, the trust list, the QR's verification URL,
Open311 discovery, links in e-mails and SMS) starts with it, so a demo served on another
port or a deployment behind a proxy names itself the same way everywhere."""

from __future__ import annotations

from django.conf import settings


def public_url(path: str = "") -> str:
    """`ONEWINDOW_PUBLIC_URL` (no trailing slash) followed by `path` (which starts with /)."""
    return f"{str(settings.ONEWINDOW_PUBLIC_URL).rstrip('/')}{path}"
