"""Checking uploaded materials before anything is stored: type by content, size, scanning.

The virus scanner is an interface: `ONEWINDOW_UPLOAD_SCANNER` names a callable taking the
file's bytes and returning `Verdict`. The default recognises only the EICAR test signature,
so the refusal path is exercised end to end; production points it at ClamAV or similar.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import DomainError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Magic numbers of the formats a government office accepts as scanned materials.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@dataclass(frozen=True)
class Verdict:
    status: Literal["clean", "not_scanned", "infected"]
    detail: str = ""


Scanner = Callable[[bytes], Verdict]


def eicar_only_scanner(content: bytes) -> Verdict:
    if EICAR in content:
        return Verdict("infected", "EICAR-Test-File")
    return Verdict("not_scanned")


def _scanner() -> Scanner:
    path = getattr(settings, "ONEWINDOW_UPLOAD_SCANNER", "")
    return import_string(path) if path else eicar_only_scanner


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str
    scan_status: str


def check_upload(content: bytes, *, field: str = "file") -> CheckedFile:
    """Refuse an empty, oversized, unknown-type or infected file (DomainError naming `field`)."""
    if not content:
        raise DomainError(_("The file is empty."), code="upload_empty", field=field)
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError(
            _("The file is larger than %(limit)s MB."),
            code="upload_too_large",
            field=field,
            params={"limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
        )
    content_type = next((kind for magic, kind in SIGNATURES if content.startswith(magic)), "")
    if not content_type:
        raise DomainError(
            _("Only PDF, PNG or JPEG files are accepted (checked by their content)."),
            code="upload_type",
            field=field,
        )
    verdict = _scanner()(content)
    if verdict.status == "infected":
        raise DomainError(
            _("The file was refused by the virus scan."), code="upload_infected", field=field
        )
    return CheckedFile(
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        scan_status=verdict.status,
    )
