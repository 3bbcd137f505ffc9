"""Granian vs gunicorn serving OneWindow's WSGI app: requests per second, medians of runs.

Usage (after `make demo` has migrated and seeded var/):
    .venv/bin/pip install gunicorn   # only for this comparison
    .venv/bin/python bench/server_compare.py [--seconds 5] [--runs 3] [--concurrency 16]

Each server gets the same 2 worker processes on this machine; the load generator is a pool
of keep-alive HTTP/1.1 client threads in this process. `/healthz` (no database, no template)
is the ceiling; `/` (the home page, template rendering) is the real page.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PORT = 8765
SERVERS = {
    "granian": [
        str(BIN / "granian"),
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(PORT),
        "--workers",
        "2",
        "--no-ws",
        "onewindow.config.wsgi:application",
    ],
    "gunicorn": [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{PORT}",
        "--workers",
        "2",
        "onewindow.config.wsgi:application",
    ],
}


def load(path: str, seconds: float, concurrency: int) -> float:
    done = [0] * concurrency
    stop = time.monotonic() + seconds

    def worker(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        while time.monotonic() < stop:
            connection.request("GET", path, headers={"Accept-Language": "zh-CN"})
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                done[slot] += 1
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


def wait_ready() -> None:
    for _attempt in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    results: dict[str, dict[str, float]] = {}
    for name, command in SERVERS.items():
        if not Path(command[0]).exists():
            print(f"{name}: not installed, skipped", file=sys.stderr)
            continue
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_ready()
            load("/", 1, args.concurrency)  # warm up
            results[name] = {
                path: statistics.median(
                    load(path, args.seconds, args.concurrency) for _run in range(args.runs)
                )
                for path in ("/healthz", "/")
            }
        finally:
            server.terminate()
            server.wait()
    print(f"{'server':<10} {'/healthz req/s':>15} {'/ req/s':>10} {'/ as % of ceiling':>18}")
    for name, figures in results.items():
        ratio = figures["/"] / figures["/healthz"]
        print(f"{name:<10} {figures['/healthz']:>15.0f} {figures['/']:>10.0f} {ratio:>17.0%}")


if __name__ == "__main__":
    main()
