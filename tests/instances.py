"""OneWindow instances that tests start as real processes: where their files come from, and
the server and worker that `make demo` runs, started, killed with SIGKILL and restarted."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import IO, TYPE_CHECKING

from django.conf import settings

from tests.copied_database import Database

if TYPE_CHECKING:
    from onewindow.identity.models import User

ROOT = Path(__file__).resolve().parents[1]
SQLITE_FILE = "onewindow.sqlite3"


def copy_migrated_sqlite(template: Path, folder: Path) -> Path:
    """Put a copy of the migrated template into `folder` (an ONEWINDOW_VAR_DIR) and return it.
    Only the database is copied: each instance still generates its own keys."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(template, folder / SQLITE_FILE))


GRANIAN = Path(sys.executable).with_name("granian")
CLI = [sys.executable, "-m", "onewindow.config.cli"]
CSRF = "0123456789abcdef0123456789abcdef"  # an unmasked secret, in cookie and header


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def serve_command(port: int, *, workers: int) -> list[str]:
    """granian serving the WSGI app on loopback as `make demo` does."""
    return [
        *(str(GRANIAN), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)),
        *("--workers", str(workers), "--no-ws", "onewindow.config.wsgi:application"),
    ]


def session_for(user: User) -> str:
    """A signed-in session for `user` in the test database, as its cookie value."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "onewindow.identity.backends.IdentifierBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return str(store.session_key)


class Site:
    """The server (granian, its own process group) and the worker, started and killed."""

    def __init__(self, folder: Path, database_url: str) -> None:
        self.folder = folder
        self.database_url = database_url
        self.port = 0
        self.server: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.logs: list[IO[bytes]] = []

    @property
    def env(self) -> dict[str, str]:
        inherited = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "ONEWINDOW_TASKS_URL"}
        }
        return {
            **inherited,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "onewindow.config.settings",
            "DATABASE_URL": self.database_url,
            # The test settings' keys: the citizens' data and sessions were made with them.
            "ONEWINDOW_SECRET_KEY": os.environ["ONEWINDOW_SECRET_KEY"],
            "ONEWINDOW_DATA_KEY": os.environ["ONEWINDOW_DATA_KEY"],
            "ONEWINDOW_VAR_DIR": str(self.folder),
            "ONEWINDOW_ALLOWED_HOSTS": "127.0.0.1",
            "ONEWINDOW_DEBUG": "0",
            "ONEWINDOW_TICK_SECONDS": "2",
            "ONEWINDOW_WORKER_BEAT_SECONDS": "0.5",
            "ONEWINDOW_DB_POOL_SIZE": "4",
            "ONEWINDOW_LOG_LEVEL": "WARNING",
        }

    def _log(self, name: str) -> IO[bytes]:
        self.logs.append((self.folder / name).open("ab"))
        return self.logs[-1]

    def start(self) -> None:
        self.port = free_port()
        # Our own interpreter and granian, fixed arguments: nothing untrusted reaches them.
        self.server = subprocess.Popen(  # noqa: S603
            serve_command(self.port, workers=2),
            env=self.env,
            cwd=ROOT,
            stdout=self._log("server.log"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill -9 reaches every worker
        )
        self.worker = subprocess.Popen(  # noqa: S603
            [*CLI, "worker"],
            env=self.env,
            cwd=ROOT,
            stdout=self._log("worker.log"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            assert self.server.poll() is None, (self.folder / "server.log").read_text()
            assert self.worker.poll() is None, (self.folder / "worker.log").read_text()
            assert time.monotonic() < deadline, "the server did not start"
            try:
                answer = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                answer.request("GET", "/healthz")
                if answer.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)

    def kill(self) -> None:
        for process in (self.server, self.worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def stop(self) -> None:
        for process in (self.server, self.worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        for log in self.logs:
            log.close()
        self.logs.clear()

    def post(self, path: str, session: str, key: str, body: bytes) -> tuple[int, bytes] | None:
        """POST `body` as the signed-in `session` with its Idempotency-Key; None when no
        answer came (refused, cut off, timed out)."""
        try:
            link = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
            link.request(
                "POST",
                path,
                body=body,
                headers={
                    "Cookie": f"sessionid={session}; csrftoken={CSRF}",
                    "X-CSRFToken": CSRF,
                    "Content-Type": "application/json",
                    "Idempotency-Key": key,
                },
            )
            answer = link.getresponse()
            return answer.status, answer.read()
        except (OSError, http.client.HTTPException):
            return None


@contextmanager
def crashable_site(folder: Path) -> Iterator[tuple[Database, Site]]:
    """A copy of the test database and a site to serve it, stopped and dropped at the end."""
    database = Database(folder)
    site = Site(folder, "")
    try:
        yield database, site
    finally:
        site.stop()
        database.drop()
