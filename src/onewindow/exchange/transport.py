"""HTTP for federation with a hard deadline: from connecting to the last byte of the answer,
whatever the peer does (accept and stay silent, drip bytes, send too much)."""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass

MAX_ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    content_type: str
    body: bytes


def exchange(
    method: str, url: str, *, timeout: float, body: bytes = b"", headers: dict[str, str]
) -> HttpAnswer:
    """One HTTP exchange that ends within `timeout` seconds from connecting to the last byte.
    Raises TimeoutError when the deadline passes, OSError or HTTPException when the peer is
    unreachable or speaks no HTTP. Socket timeouts bound each wait; a watchdog closes the
    socket at the deadline, so a peer dripping bytes cannot hold us longer."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url}")
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    deadline = time.monotonic() + timeout
    expired = threading.Event()

    def cut_off() -> None:
        expired.set()
        if connection.sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing to cut
                connection.sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(timeout, cut_off)
    watchdog.daemon = True
    watchdog.start()
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target or "/", body=body or None, headers=headers)
        response = connection.getresponse()
        content = response.read(MAX_ANSWER_BYTES + 1)
        if len(content) > MAX_ANSWER_BYTES:
            raise http.client.HTTPException("the answer is larger than allowed")
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        return HttpAnswer(response.status, content_type, content)
    except (OSError, http.client.HTTPException):
        if expired.is_set() or time.monotonic() >= deadline:
            raise TimeoutError(f"no answer within {timeout:g} seconds") from None
        raise
    finally:
        watchdog.cancel()
        connection.close()
