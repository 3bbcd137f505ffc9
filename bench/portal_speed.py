"""The portal on a slow rural connection: bytes transferred and first contentful paint of the
home, a service guide and the application form, as a first visit, in chromium throttled to
Chrome DevTools' "Fast 3G" (562.5 ms latency, 1.44 Mbit/s down, 675 kbit/s up: Lighthouse's
mobile network, applied per request).

    .venv/bin/python bench/portal_speed.py [--base-url URL] [--runs 3] [--write FILE]

Without `--base-url` it serves OneWindow as `make demo` does, in a temporary folder:
`migrate`, `collectstatic` (compressed and hashed, as in production), `seed-demo
--applications 20`, granian on a free port; then stops it. With `--base-url` it measures a
server already running (`make demo`). Each page is opened `--runs` times in a fresh browser
context (an empty cache), after signing in as the demo resident where the page needs it
(outside the throttled load); the median is reported. Bytes are what crossed the network
(compressed), split into everything but images (the aim: at most 150 KB) and images;
first contentful paint is the browser's own entry (the aim: at most 2 s).

Timing is reported, never asserted (bench/README.md). Needs Playwright and chromium at
/usr/bin/chromium (ONEWINDOW_CHROMIUM for another).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("ONEWINDOW_CHROMIUM", "/usr/bin/chromium")
# Chrome DevTools' "Fast 3G" preset: what Lighthouse's mobile network (150 ms RTT, 1.6 Mbit/s)
# becomes when applied per request (× 3.75 latency, × 0.9 throughput).
FAST_3G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1.44 * 1_000_000 / 8,
    "uploadThroughput": 675 * 1_000 / 8,
}
AIM_BYTES = 150 * 1024
AIM_FCP_MS = 2000
DEMO_RESIDENT = "resident-0001"
DEMO_PASSWORD = "OneWindow-demo-2026"  # noqa: S105 (demo/city.py's, printed by `make demo`)
GUIDE = "330000-PSB-HJ-001"  # birth registration: filed online, a form with uploads


@dataclass
class Visit:
    page: str
    bytes_total: int
    bytes_before_images: int
    bytes_images: int
    requests: int
    fcp_ms: float


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@contextmanager
def served() -> Iterator[str]:
    """OneWindow as `make demo` serves it, in a temporary folder, on a free port."""
    with tempfile.TemporaryDirectory(prefix="portal-speed-") as folder:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "ONEWINDOW_VAR_DIR": folder,
            "ONEWINDOW_PUBLIC_URL": url,
            "PYTHONPATH": str(ROOT / "src"),
        }
        env.pop("DATABASE_URL", None)
        cli = [sys.executable, "-m", "onewindow.config.cli"]
        for step in (
            ["migrate", "--noinput", "-v0"],
            ["collectstatic", "--noinput", "-v0"],
            ["seed-demo", "--seed", "2026", "--applications", "20"],
        ):
            started = time.monotonic()
            subprocess.run([*cli, *step], env=env, cwd=ROOT, check=True, capture_output=True)
            print(f"  {step[0]}: {time.monotonic() - started:.0f} s", file=sys.stderr)
        granian = Path(sys.executable).with_name("granian")
        server = subprocess.Popen(  # our own server, fixed arguments
            [
                str(granian),
                "--interface",
                "wsgi",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--no-ws",
                "onewindow.config.wsgi:application",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not _healthy(url):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not answer /healthz")
                time.sleep(0.5)
            yield url
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def _sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/account/sign-in/")
    page.fill("input[name=username]", DEMO_RESIDENT)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()


def measure(browser: Any, base: str, name: str, path: str, *, signed_in: bool) -> Visit:
    """One first visit of `path` under Fast 3G: bytes by resource type, and the paint."""
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    if signed_in:
        _sign_in(page, base)
    session = context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.clearBrowserCache")
    session.send("Network.emulateNetworkConditions", FAST_3G)
    kinds: dict[str, str] = {}
    sizes: dict[str, int] = {}
    session.on(
        "Network.responseReceived",
        lambda event: kinds.__setitem__(event["requestId"], event["type"]),
    )
    session.on(
        "Network.loadingFinished",
        lambda event: sizes.__setitem__(event["requestId"], int(event["encodedDataLength"])),
    )
    page.goto(f"{base}{path}", wait_until="load")
    page.wait_for_timeout(300)  # the last loadingFinished events
    fcp = page.evaluate(
        "() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1"
    )
    images = sum(size for key, size in sizes.items() if kinds.get(key) == "Image")
    total = sum(sizes.values())
    context.close()
    return Visit(name, total, total - images, images, len(sizes), float(fcp))


def run(base: str, runs: int) -> list[Visit]:
    from playwright.sync_api import sync_playwright

    pages = [
        ("home", "/", False),
        ("service guide", f"/services/{GUIDE}/", False),
        ("application form", f"/applications/new/{GUIDE}/", True),
    ]
    medians: list[Visit] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-quic"]
        )
        for name, path, signed_in in pages:
            visits = [measure(browser, base, name, path, signed_in=signed_in) for _ in range(runs)]
            medians.append(
                Visit(
                    name,
                    int(statistics.median(v.bytes_total for v in visits)),
                    int(statistics.median(v.bytes_before_images for v in visits)),
                    int(statistics.median(v.bytes_images for v in visits)),
                    int(statistics.median(v.requests for v in visits)),
                    statistics.median(v.fcp_ms for v in visits),
                )
            )
        browser.close()
    return medians


def table(visits: list[Visit], runs: int) -> str:
    lines = [
        f"First visit at 390 px, Chinese, chromium throttled to Fast 3G; median of {runs} runs.",
        "",
        "| page | requests | before images | images | total | first contentful paint "
        "| aims (≤ 150 KB, ≤ 2 s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for visit in visits:
        met = visit.bytes_before_images <= AIM_BYTES and 0 <= visit.fcp_ms <= AIM_FCP_MS
        lines.append(
            f"| {visit.page} | {visit.requests} | {visit.bytes_before_images / 1024:.1f} KB "
            f"| {visit.bytes_images / 1024:.1f} KB | {visit.bytes_total / 1024:.1f} KB "
            f"| {visit.fcp_ms / 1000:.2f} s | {'met' if met else 'not met'} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="measure this running server instead of our own")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", help="also write the table to this file")
    args = parser.parse_args()
    if args.base_url:
        visits = run(args.base_url.rstrip("/"), args.runs)
    else:
        with served() as base:
            visits = run(base, args.runs)
    report = table(visits, args.runs)
    print(report)
    if args.write:
        Path(args.write).write_text(report + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
