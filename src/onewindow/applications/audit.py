"""The audit of applications against the public ledger, both ways.

Each filing, decision and recorded delivery move has its ledger entry and matches it; each
ledger entry of those kinds still has its row; and each application, step and delivery is in
the state its last ledger entry says it reached. A change made directly in the database (a
decision reversed, a row unlinked or deleted, a form rewritten, an application deleted) is
named by reference and entry index. Reads only; `onewindow audit-decisions` and the worker's
`applications.tasks.audit` run it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from onewindow.applications.models import (
    FILING_EVENTS,
    TERMINAL_APPLICATION_STATUSES,
    Application,
    Delivery,
    Step,
    StepStatus,
    Transition,
    Upload,
    decision_payload,
    filing_payload,
)
from onewindow.credentials.audit import audit_issuance
from onewindow.credentials.models import Credential
from onewindow.ledger import services as ledger_services
from onewindow.ledger.audit import RecordFinding, payload_digest, recorded_events
from onewindow.ledger.models import AuditKind, AuditRun

DECISION_PREFIXES = ("application.", "delivery.")
DECIDED_STEP_STATUSES = frozenset({StepStatus.APPROVED, StepStatus.REJECTED})
MAX_FINDINGS = 200


@dataclass
class _Ledger:
    """What the ledger says about applications, read once in index order."""

    decisions: dict[int, tuple[str, str, str]]  # index -> (event type, subject, digest)
    final_status: dict[str, tuple[int, str]]  # ref -> (index, last final status)
    step_status: dict[str, tuple[int, str]]  # "ref/step" -> (index, decided status)
    delivery_status: dict[str, tuple[int, str]]  # ref -> (index, last recorded status)
    first_filing: dict[str, int]  # ref -> index of application.filed
    last_filing: dict[str, tuple[int, str]]  # ref -> (index, digest of the latest form)


def _read_ledger() -> _Ledger:
    ledger = _Ledger({}, {}, {}, {}, {}, {})
    for event in recorded_events(prefixes=DECISION_PREFIXES):
        kind, _, outcome = event.event_type.partition(".")
        if event.event_type in FILING_EVENTS:
            ledger.first_filing.setdefault(event.subject_ref, event.index)
            ledger.last_filing[event.subject_ref] = (event.index, event.payload_sha256)
            continue
        ledger.decisions[event.index] = (event.event_type, event.subject_ref, event.payload_sha256)
        if kind == "delivery":
            ledger.delivery_status[event.subject_ref] = (event.index, outcome)
        elif "/" in event.subject_ref:
            ledger.step_status[event.subject_ref] = (event.index, outcome)
        else:
            ledger.final_status[event.subject_ref] = (event.index, outcome)
    return ledger


def audit_decisions(*, batch: int = 2_000) -> list[RecordFinding]:
    """Audit every filing, decision and recorded delivery move against the ledger, both ways.
    Returns the findings in the order found (rows first, then entries without rows, then
    states), at most MAX_FINDINGS; an empty list when everything matches."""
    ledger = _read_ledger()
    findings: list[RecordFinding] = []
    refs = _check_filings(ledger, findings, batch)
    _check_decision_rows(ledger, findings, refs, batch)
    _check_states(ledger, findings)
    return findings[:MAX_FINDINGS]


def _check_filings(ledger: _Ledger, findings: list[RecordFinding], batch: int) -> set[str]:
    """Each application matches the latest filing entry of its reference; each filing entry
    still has its application. Returns every application reference."""
    refs: set[str] = set()
    last_pk = 0
    while True:
        rows = list(
            Application.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "ref", "item_version_id", "form_data", "filed_ledger_index")[:batch]
        )
        if not rows:
            break
        last_pk = rows[-1][0]
        materials: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for application_id, key, digest in Upload.objects.filter(
            application_id__in=[row[0] for row in rows]
        ).values_list("application_id", "material_key", "sha256"):
            materials[int(application_id)].append((key, digest))
        for pk, ref, version_id, form_data, filed_index in rows:
            refs.add(ref)
            latest = ledger.last_filing.get(ref)
            if latest is None:
                findings.append(RecordFinding(ref, "its filing is not in the ledger", filed_index))
                continue
            if filed_index != ledger.first_filing.get(ref):
                findings.append(
                    RecordFinding(
                        ref,
                        "the application no longer points at its filing in the ledger",
                        ledger.first_filing.get(ref),
                    )
                )
            expected = payload_digest(filing_payload(ref, version_id, form_data, materials[pk]))
            if expected != latest[1]:
                findings.append(
                    RecordFinding(
                        ref,
                        "its form, service or materials differ from what the ledger recorded",
                        latest[0],
                    )
                )
    for ref, index in ledger.first_filing.items():
        if ref not in refs:
            findings.append(
                RecordFinding(ref, "the application filed here no longer exists", index)
            )
    return refs


def _check_decision_rows(
    ledger: _Ledger, findings: list[RecordFinding], refs: set[str], batch: int
) -> None:
    """Each decision row matches its entry; each decision entry still has its row."""
    linked: set[int] = set()
    last_pk = 0
    while True:
        rows = list(
            Transition.objects.filter(pk__gt=last_pk, ledger_index__isnull=False)
            .order_by("pk")
            .values_list(
                "pk",
                "ledger_index",
                "application__ref",
                "step__key",
                "action",
                "to_status",
                "reason",
            )[:batch]
        )
        if not rows:
            break
        last_pk = rows[-1][0]
        for _pk, index, ref, step_key, action, to_status, reason in rows:
            assert index is not None  # filtered above
            linked.add(index)
            entry = ledger.decisions.get(index)
            if entry is None:
                findings.append(RecordFinding(ref, "its ledger entry is missing", index))
                continue
            event_type, subject, digest = entry
            expected_subject = f"{ref}/{step_key}" if step_key else ref
            payload = decision_payload(ref, step_key or "", action, to_status, reason)
            if (
                subject != expected_subject
                or event_type.partition(".")[2] != action
                or payload_digest(payload) != digest
            ):
                findings.append(
                    RecordFinding(ref, "the decision row no longer matches its ledger entry", index)
                )
    for index, (_event_type, subject, _digest) in sorted(ledger.decisions.items()):
        if index not in linked:
            ref = subject.partition("/")[0]
            reason = (
                "no decision row records this entry: it was deleted or unlinked"
                if ref in refs
                else "the application decided here no longer exists"
            )
            findings.append(RecordFinding(subject, reason, index))


def _check_states(ledger: _Ledger, findings: list[RecordFinding]) -> None:
    """Each application, decided step and delivery is where its last entry says it is."""
    for ref, status in Application.objects.order_by("pk").values_list("ref", "status"):
        final = ledger.final_status.get(ref)
        if final is not None and final[1] != status:
            findings.append(
                RecordFinding(
                    ref,
                    f"its status is {status}, but the ledger's last decision says {final[1]}",
                    final[0],
                )
            )
        elif final is None and status in TERMINAL_APPLICATION_STATUSES:
            findings.append(
                RecordFinding(ref, f"its status is {status}, but the ledger records no decision")
            )
    for ref, key, status in Step.objects.order_by("pk").values_list(
        "application__ref", "key", "status"
    ):
        subject = f"{ref}/{key}"
        decided = ledger.step_status.get(subject)
        if decided is not None and decided[1] != status:
            findings.append(
                RecordFinding(
                    subject,
                    f"the step is {status}, but the ledger's decision says {decided[1]}",
                    decided[0],
                )
            )
        elif decided is None and status in DECIDED_STEP_STATUSES:
            findings.append(
                RecordFinding(subject, f"the step is {status}, but the ledger records no decision")
            )
    for ref, status in Delivery.objects.order_by("pk").values_list("application__ref", "status"):
        recorded = ledger.delivery_status.get(ref)
        if recorded is not None and recorded[1] != status:
            findings.append(
                RecordFinding(
                    ref,
                    f"the delivery is {status}, but the ledger last recorded {recorded[1]}",
                    recorded[0],
                )
            )


def audit_records() -> list[RecordFinding]:
    """The whole records audit: applications (filings, decisions, deliveries) and the
    credentials issued for them (`credentials.audit.audit_issuance`)."""
    return [*audit_decisions(), *audit_issuance()][:MAX_FINDINGS]


def record_run(findings: list[RecordFinding], *, started_at: datetime) -> AuditRun:
    """Keep the run (the ledger page shows the last clean one); admins hear of findings."""
    checked = Application.objects.count() + Credential.objects.count()
    return ledger_services.record_audit_run(
        AuditKind.RECORDS,
        started_at=started_at,
        checked=checked,
        findings=[str(finding) for finding in findings],
    )
