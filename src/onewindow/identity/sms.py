"""The SMS adapter: one function, a backend chosen in settings.

The demo and tests use the console backend (the message is logged and kept in `outbox`);
a deployment plugs in its gateway with `ONEWINDOW_SMS_BACKEND=dotted.path.to.send`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string

from onewindow.core.personal_data import mask_mobile

logger = logging.getLogger("onewindow.sms")
outbox: list[tuple[str, str]] = []


def console_backend(mobile: str, text: str) -> None:
    outbox.append((mobile, text))
    logger.warning("SMS to %s: %s", mask_mobile(mobile), text)
    print(f"[SMS to {mask_mobile(mobile)}] {text}", flush=True)


def send_sms(mobile: str, text: str) -> None:
    path = getattr(settings, "ONEWINDOW_SMS_BACKEND", "onewindow.identity.sms.console_backend")
    backend: Callable[[str, str], None] = import_string(path)
    backend(mobile, text)
