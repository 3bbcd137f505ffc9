"""From `git clone` to the demo answering: how long a newcomer waits.

    python3 bench/clone_to_demo.py [--repo /work/main] [--rev HEAD] [--port 8731] [--keep DIR]

Clones the repository at a revision into a fresh directory, runs `make demo PORT=...` in it
and times until `GET /healthz` answers 200, then stops the server (its whole process group)
and removes the clone. Every line `make demo` prints is shown with the seconds elapsed, so
the phases (install, migrate, seed, serve) can be read off. Standard library only: it runs
before any virtualenv exists.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our http URL)
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _echo(stream: IO[bytes], started: float) -> None:
    for raw in stream:
        line = raw.decode("utf-8", "replace").rstrip()
        print(f"[{time.monotonic() - started:7.1f} s] {line}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default="/work/main", help="repository to clone")
    parser.add_argument("--rev", default="HEAD", help="revision to check out")
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--timeout", type=float, default=1800, help="give up after (s)")
    parser.add_argument("--keep", help="clone here and keep it (default: a temp dir, removed)")
    args = parser.parse_args()

    target = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ow-clone-")) / "ow"
    started = time.monotonic()
    subprocess.run(["git", "clone", "--quiet", args.repo, str(target)], check=True)
    subprocess.run(["git", "-C", str(target), "checkout", "--quiet", args.rev], check=True)
    revision = subprocess.run(
        ["git", "-C", str(target), "rev-parse", "--short", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"[{time.monotonic() - started:7.1f} s] cloned {args.repo} at {revision} into {target}")

    outside = {"VIRTUAL_ENV", "PYTHONPATH"}  # a newcomer's shell: no venv, no source path
    env = {key: value for key, value in os.environ.items() if key not in outside}
    server = subprocess.Popen(
        ["make", "demo", f"PORT={args.port}"],
        cwd=target,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # one process group: make, the worker and granian stop together
    )
    threading.Thread(target=_echo, args=(server.stdout, started), daemon=True).start()
    url = f"http://127.0.0.1:{args.port}/healthz"
    answered = None
    try:
        while time.monotonic() - started < args.timeout:
            if server.poll() is not None:
                print(f"make demo stopped with {server.returncode} before answering")
                break
            if _healthy(url):
                answered = time.monotonic() - started
                break
            time.sleep(0.5)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        if not args.keep:
            shutil.rmtree(target.parent, ignore_errors=True)
    if answered is None:
        print(f"{revision}: no answer from {url}")
        return 1
    print(f"{revision}: git clone -> {url} 200 in {answered:.1f} s ({answered / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
