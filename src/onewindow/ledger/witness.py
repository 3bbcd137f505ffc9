"""`onewindow-witness`: a C2SP tlog-witness that cosigns checkpoints of logs it trusts.

Run by a second party (another department, an auditor, another region). Standard library and
`cryptography` only, no Django. It keeps, per log origin, the latest checkpoint it cosigned, and
as evidence every checkpoint it cosigned and every signed checkpoint it refused.

    onewindow-witness key --name auditor.example/w1 --key-file w1.key
    onewindow-witness serve --name auditor.example/w1 --key-file w1.key \\
        --log 'onewindow.example/ledger+abcd1234+AX...' --state ./witness --listen 127.0.0.1:7380

Protocol: https://c2sp.org/tlog-witness (POST /add-checkpoint); cosignatures are
https://c2sp.org/tlog-cosignature cosignature/v1. GET /latest/<origin> returns the latest
cosigned checkpoint, for monitors comparing witnesses.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from onewindow.ledger import merkle, note

SIZE_CONTENT_TYPE = "text/x.tlog.size"
MAX_PROOF_LINES = 63
MAX_BODY = 64 * 1024
_OLD_LINE = re.compile(r"old (0|[1-9][0-9]{0,19})")


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


def _safe(origin: str) -> str:
    return urllib.parse.quote(origin, safe="")


class Witness:
    """Cosigns checkpoints whose old size matches its record and whose proof verifies."""

    def __init__(
        self,
        signer: note.Signer,
        logs: Sequence[note.Verifier],
        state: Path,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if signer.signature_type != note.COSIGNATURE_V1:
            raise ValueError("a witness signs cosignature/v1")
        self.signer = signer
        self.logs = {log.name: log for log in logs}
        self.state = state
        self.clock = clock
        # Check-and-update must be atomic, or two requests could roll the record back.
        self._lock = threading.Lock()
        state.mkdir(parents=True, exist_ok=True)

    def _record_path(self, origin: str) -> Path:
        return self.state / _safe(origin) / "latest.json"

    def latest(self, origin: str) -> tuple[int, bytes, str] | None:
        path = self._record_path(origin)
        if not path.exists():
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
        return int(record["size"]), base64.b64decode(record["root_hash"]), str(record["note"])

    def _keep_evidence(self, origin: str, kind: str, size: int, text: str) -> None:
        folder = self.state / _safe(origin) / kind
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{size}-{int(self.clock())}-{secrets.token_hex(4)}"
        (folder / name).write_text(text, encoding="utf-8")

    def add_checkpoint(self, body: str) -> Reply:
        """Handle one add-checkpoint request body; returns the HTTP reply to send."""
        head, separator, message = body.partition("\n\n")
        if not separator:
            return Reply(400, "the proof and the checkpoint are separated by an empty line\n")
        lines = head.split("\n")
        match = _OLD_LINE.fullmatch(lines[0])
        if match is None:
            return Reply(400, "the first line is 'old <size>'\n")
        old_size = int(match.group(1))
        if len(lines) - 1 > MAX_PROOF_LINES:
            return Reply(400, "too many proof lines\n")
        try:
            proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
            parsed = note.parse_note(message)
            checkpoint = note.Checkpoint.parse(parsed.text)
        except (binascii.Error, note.NoteError) as error:
            return Reply(400, f"{error}\n")
        if any(len(element) != merkle.HASH_SIZE for element in proof):
            return Reply(400, "proof hashes are 32 bytes\n")
        log = self.logs.get(checkpoint.origin)
        if log is None:
            return Reply(404, "unknown log origin\n")
        try:
            note.open_note(message, [log])
        except note.NoteError:
            return Reply(403, "no valid signature from the log's key\n")
        if old_size > checkpoint.size:
            return Reply(400, "the old size exceeds the checkpoint size\n")
        with self._lock:
            return self._check_and_cosign(checkpoint, parsed.text, message, old_size, proof)

    def _check_and_cosign(
        self,
        checkpoint: note.Checkpoint,
        text: str,
        message: str,
        old_size: int,
        proof: list[bytes],
    ) -> Reply:
        origin = checkpoint.origin
        latest = self.latest(origin)
        known_size, known_root = (latest[0], latest[1]) if latest else (0, merkle.EMPTY_ROOT)
        if old_size != known_size:
            return Reply(409, f"{known_size}\n", SIZE_CONTENT_TYPE)
        if old_size == checkpoint.size and known_root != checkpoint.root_hash:
            # Same size, another root, both signed by the log: a fork, kept as evidence.
            self._keep_evidence(origin, "refused", checkpoint.size, message)
            return Reply(409, "a different root for the size already cosigned\n")
        if not merkle.verify_consistency(
            old_size, checkpoint.size, known_root, checkpoint.root_hash, proof
        ):
            self._keep_evidence(origin, "refused", checkpoint.size, message)
            return Reply(422, "the consistency proof does not verify\n")
        timestamp = int(self.clock())
        cosignature = self.signer.signature_line(text, timestamp=timestamp)
        record = {
            "size": checkpoint.size,
            "root_hash": base64.b64encode(checkpoint.root_hash).decode(),
            "note": message + cosignature,
        }
        path = self._record_path(origin)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temporary, path)  # persisted before replying, as the protocol requires
        self._keep_evidence(origin, "cosigned", checkpoint.size, message + cosignature)
        return Reply(200, cosignature)


def make_handler(witness: Witness) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, reply: Reply) -> None:
            data = reply.body.encode("utf-8")
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            if self.path.rstrip("/") != "/add-checkpoint":
                self._send(Reply(404, "not found\n"))
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(Reply(413, "too large\n"))
                return
            try:
                body = self.rfile.read(length).decode("utf-8")
            except UnicodeDecodeError:
                self._send(Reply(400, "not UTF-8\n"))
                return
            self._send(witness.add_checkpoint(body))

        def do_GET(self) -> None:
            prefix = "/latest/"
            latest = None
            if self.path.startswith(prefix):
                latest = witness.latest(urllib.parse.unquote(self.path[len(prefix) :]))
            self._send(Reply(200, latest[2]) if latest else Reply(404, "not found\n"))

        def log_message(self, format: str, *args: object) -> None:
            sys.stderr.write(f"witness: {format % args}\n")

    return Handler


def load_signer(name: str, key_file: Path) -> note.Signer:
    """The witness key: a base64 32-byte Ed25519 seed in `key_file`, created if missing."""
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    seed = base64.b64decode(key_file.read_text(encoding="ascii").strip())
    return note.Signer.from_seed(name, seed, note.COSIGNATURE_V1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="onewindow-witness", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for command in ("key", "serve"):
        sub = commands.add_parser(command)
        sub.add_argument("--name", required=True, help="the witness name, e.g. auditor.example/w1")
        sub.add_argument("--key-file", type=Path, required=True)
        if command == "serve":
            sub.add_argument("--log", action="append", required=True, help="a log verifier key")
            sub.add_argument("--state", type=Path, required=True)
            sub.add_argument("--listen", default="127.0.0.1:7380")
    arguments = parser.parse_args(argv)
    signer = load_signer(arguments.name, arguments.key_file)
    if arguments.command == "key":
        print(signer.verifier.encode())
        return 0
    witness = Witness(signer, [note.Verifier.parse(key) for key in arguments.log], arguments.state)
    host, _, port = arguments.listen.rpartition(":")
    server = ThreadingHTTPServer((host, int(port)), make_handler(witness))
    print(f"witness {signer.verifier.encode()} on http://{arguments.listen}/", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
