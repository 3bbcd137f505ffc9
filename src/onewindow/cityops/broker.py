"""A Mosquitto broker for the demo, the tests and the benchmark: its configuration and how to
start it. Readings wait in the broker for a consumer that is away (a persistent session),
so queues are not capped and nothing above threshold is dropped while it restarts."""

from __future__ import annotations

import getpass
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
            # Run as whoever starts it (as root mosquitto would switch to its own user, which
            # cannot write to our folder).
            f"user {getpass.getuser()}",
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


def main() -> None:
    """`python -m onewindow.cityops.broker --port 1883 --folder var/mosquitto`, as `make demo`
    runs it: mosquitto in the foreground, or nothing when a broker already listens there."""
    import argparse
    import os

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--folder", type=Path, default=Path("var/mosquitto"))
    options = parser.parse_args()
    try:
        socket.create_connection(("127.0.0.1", options.port), timeout=0.5).close()
        print(f"A broker already listens on 127.0.0.1:{options.port}: using it.")
        return
    except OSError:
        pass
    options.folder.mkdir(parents=True, exist_ok=True)
    config = options.folder / "mosquitto.conf"
    config.write_text(config_text(options.port, options.folder.resolve()))
    os.execv(MOSQUITTO, [MOSQUITTO, "-c", str(config)])  # noqa: S606 - our binary, our config


if __name__ == "__main__":
    main()
