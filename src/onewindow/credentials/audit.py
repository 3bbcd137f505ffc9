"""The audit of issued credentials against the public ledger, both ways.

Each credential has its `credential.issued` entry and matches it (identifier, kind, case, seal
and the digest of the signed SD-JWT); each such entry still has its credential; and each
credential's status is the one its last status entry (suspended, reinstated, revoked) says.
Reads only; the records audit (`applications.audit.audit_records`) runs it.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidTag

from onewindow.credentials.models import Credential, CredentialStatus
from onewindow.credentials.services import sd_jwt_of
from onewindow.ledger.audit import RecordFinding, payload_digest, recorded_events

ISSUED = "credential.issued"
STATUS_AFTER = {
    "credential.suspended": CredentialStatus.SUSPENDED,
    "credential.reinstated": CredentialStatus.ACTIVE,
    "credential.revoked": CredentialStatus.REVOKED,
}


def issuance_payload(credential: Credential, seal_kid: str, sd_jwt: str) -> dict[str, str]:
    """What `services.issue_credential` recorded, rebuilt from the stored credential."""
    return {
        "credential": str(credential.id),
        "kind": credential.kind,
        "case": credential.case_ref,
        "seal": seal_kid,
        "sd_jwt_sha256": hashlib.sha256(sd_jwt.split("~", 1)[0].encode()).hexdigest(),
    }


def audit_issuance(*, batch: int = 1_000) -> list[RecordFinding]:
    """Findings about issued credentials; an empty list when everything matches."""
    issued: dict[str, tuple[int, str]] = {}  # number -> (index, digest)
    status: dict[str, tuple[int, str]] = {}  # number -> (index, status after)
    for event in recorded_events(prefixes=("credential.",)):
        if event.event_type == ISSUED:
            issued.setdefault(event.subject_ref, (event.index, event.payload_sha256))
        elif event.event_type in STATUS_AFTER:
            status[event.subject_ref] = (event.index, STATUS_AFTER[event.event_type])
    findings: list[RecordFinding] = []
    numbers: set[str] = set()
    credentials = Credential.objects.select_related("seal").order_by("pk")
    last = None
    while True:
        page = credentials if last is None else credentials.filter(pk__gt=last)
        rows = list(page[:batch])
        if not rows:
            break
        last = rows[-1].pk
        for credential in rows:
            numbers.add(credential.number)
            _check_credential(credential, issued, status, findings)
    for number, (index, _digest) in sorted(issued.items(), key=lambda item: item[1][0]):
        if number not in numbers:
            findings.append(
                RecordFinding(number, "the credential issued here no longer exists", index)
            )
    return findings


def _check_credential(
    credential: Credential,
    issued: dict[str, tuple[int, str]],
    status: dict[str, tuple[int, str]],
    findings: list[RecordFinding],
) -> None:
    number = credential.number
    entry = issued.get(number)
    if entry is None:
        findings.append(
            RecordFinding(
                number, "its issuance is not in the ledger", credential.issued_ledger_index
            )
        )
        return
    if credential.issued_ledger_index != entry[0]:
        findings.append(
            RecordFinding(number, "the credential no longer points at its issuance", entry[0])
        )
    try:
        sd_jwt = sd_jwt_of(credential)
    except (ValueError, InvalidTag):
        sd_jwt = ""  # undecryptable: it cannot match the digest below
    if payload_digest(issuance_payload(credential, credential.seal.kid, sd_jwt)) != entry[1]:
        findings.append(
            RecordFinding(number, "the credential no longer matches its issuance entry", entry[0])
        )
    recorded = status.get(number)
    expected = recorded[1] if recorded is not None else CredentialStatus.ACTIVE
    if credential.status != expected:
        findings.append(
            RecordFinding(
                number,
                f"its status is {credential.status}, but the ledger says {expected}",
                recorded[0] if recorded is not None else entry[0],
            )
        )
