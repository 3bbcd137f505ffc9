"""A Mosquitto broker for the demo, the tests and the benchmark: its configuration and how to
start it. Readings wait in the broker for a consumer that is away (a persistent session),
so queues are not capped and nothing above threshold is dropped while it restarts."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def is_available() -> bool:
    return Path(MOSQUITTO).exists()


def config_text(port: int, folder: Path) -> str:
    return "\n".join(
        [
            f"listener {port} 127.0.0.1",
            "allow_anonymous true",
            "persistence true",
            f"persistence_location {folder}/",
            # The consumer acknowledges after its database commit: let many wait unacked.
            "max_inflight_messages 0",
            "max_queued_messages 0",
            "",
        ]
    )


def start(port: int, folder: Path) -> subprocess.Popen[bytes]:
    """Start mosquitto on 127.0.0.1:`port`, its files in `folder`; returns when it listens."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "mosquitto.conf"
    config.write_text(config_text(port, folder))
    log = (folder / "mosquitto.log").open("ab")
    # Our own binary and a configuration we wrote: nothing untrusted reaches it.
    process = subprocess.Popen(  # noqa: S603
        [MOSQUITTO, "-c", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((folder / "mosquitto.log").read_text())
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("mosquitto did not start listening")
