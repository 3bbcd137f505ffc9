"""Every write of payments: starting a payment, the provider's webhooks and status answers,
refunds, receipts noted, reconciliation.

A payment is confirmed by the provider's signed webhook or by its answer to a status query,
never by the payer coming back on the return URL (which only triggers a status query). Both
paths end in `_confirm`, one conditional UPDATE (`status` still open → confirmed): however
many webhooks arrive, duplicated, out of order or after the status query, exactly one
confirms, and only that one writes the ledger entry and announces `payment_confirmed`.
Refused webhooks are logged (`WebhookLog`, and the log at WARNING) with the rule that
refused them, and change nothing else.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.calendar import SHANGHAI
from onewindow.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from onewindow.identity.models import Department, OfficerRole, Role, User
from onewindow.ledger import services as ledger
from onewindow.notify import services as notify
from onewindow.notify.models import Event
from onewindow.payments import signals
from onewindow.payments.fees import FeeQuote, categories_of, compute_fee, rule_for
from onewindow.payments.models import (
    FindingKind,
    Payment,
    PaymentStatus,
    ReconciliationFinding,
    Refund,
    RefundStatus,
    WebhookLog,
    WebhookOutcome,
    yuan,
)
from onewindow.payments.provider import ProviderEvent, WebhookRefused, provider_named

logger = logging.getLogger(__name__)
OPEN = (PaymentStatus.CREATED, PaymentStatus.PENDING, PaymentStatus.FAILED)


def _ref(prefix: str, now: datetime) -> str:
    return f"{prefix}{now.astimezone(SHANGHAI):%Y%m%d}-{secrets.token_hex(5).upper()}"


# ----- fees ------------------------------------------------------------------------------------


def quote_fee(
    item_code: str, *, payer: User, units: int = 1, declared: Iterable[str] = ()
) -> FeeQuote:
    """The fee a person owes for a service item. Raises NotFound when the item is free."""
    rule = rule_for(item_code)
    if rule is None:
        raise NotFound(_("This service item has no fee."), code="no_fee", field="item_code")
    today = timezone.now().astimezone(SHANGHAI).date()
    categories = categories_of(birth_year=payer.birth_year, declared=declared, today=today)
    return compute_fee(rule, units=units, categories=categories)


# ----- starting a payment ----------------------------------------------------------------------


@dataclass(frozen=True)
class Charge:
    """What is to be paid: whoever owes it, to which department, for what."""

    payer: User
    payee: Department
    purpose: str
    description: str
    gross_fen: int
    waived_fen: int = 0
    exemption: str = ""
    item_code: str = ""

    @property
    def amount_fen(self) -> int:
        return self.gross_fen - self.waived_fen

    @classmethod
    def for_fee(
        cls, quote: FeeQuote, *, payer: User, payee: Department, purpose: str, description: str
    ) -> Charge:
        return cls(
            payer=payer,
            payee=payee,
            purpose=purpose,
            description=description,
            gross_fen=quote.gross_fen,
            waived_fen=quote.waived_fen,
            exemption=quote.exemption,
            item_code=quote.item_code,
        )


def start_payment(
    charge: Charge,
    *,
    idempotency_key: str,
    return_url: str = "",
    expected_amount_fen: int | None = None,
    provider: str = "demo",
) -> Payment:
    """Create the payment and its counterpart at the provider; the payer goes on to
    `payment.next_url`. The same key returns the same payment; a second payment for what is
    already being paid returns the one under way. Raises DomainError `fee_mismatch` when the
    amount the client shows differs from the computed fee, `nothing_to_pay` for a fee waived
    in full, Conflict `already_paid`."""
    if expected_amount_fen is not None and expected_amount_fen != charge.amount_fen:
        raise DomainError(
            _("The amount %(sent)s fen does not match the fee computed for you, %(fee)s fen."),
            code="fee_mismatch",
            field="amount_fen",
            params={"sent": expected_amount_fen, "fee": charge.amount_fen},
        )
    if charge.amount_fen <= 0:
        raise DomainError(_("Nothing to pay: the fee is waived."), code="nothing_to_pay")
    payment = Payment.objects.filter(payer=charge.payer, idempotency_key=idempotency_key).first()
    if payment is None:
        payment = _created(charge, idempotency_key)
    if payment.status == PaymentStatus.CONFIRMED:
        raise Conflict(_("This has been paid already."), code="already_paid")
    if payment.provider_payment_id is None:
        # Outside any transaction: the provider is another server. Its idempotency key is our
        # reference, so a retry after a crash here finds the same payment there.
        made = provider_named(provider).create_payment(
            amount_fen=payment.amount_fen,
            reference=payment.ref,
            description=payment.description,
            return_url=return_url or reverse("payments:return", args=[payment.ref]),
            idempotency_key=payment.ref,
        )
        Payment.objects.filter(pk=payment.pk, provider_payment_id=None).update(
            provider_payment_id=made.id, next_url=made.next_url, status=PaymentStatus.PENDING
        )
        payment.refresh_from_db()
    return payment


def _created(charge: Charge, idempotency_key: str) -> Payment:
    now = timezone.now()
    try:
        with transaction.atomic():
            return Payment.objects.create(
                ref=_ref("P", now),
                payer=charge.payer,
                payee=charge.payee,
                purpose=charge.purpose,
                item_code=charge.item_code,
                description=charge.description[:200],
                gross_fen=charge.gross_fen,
                waived_fen=charge.waived_fen,
                exemption=charge.exemption,
                amount_fen=charge.amount_fen,
                provider="demo",
                idempotency_key=idempotency_key,
                created_at=now,
            )
    except IntegrityError:
        same_key = Payment.objects.filter(payer=charge.payer, idempotency_key=idempotency_key)
        live = Payment.objects.filter(
            purpose=charge.purpose,
            status__in=[PaymentStatus.CREATED, PaymentStatus.PENDING, PaymentStatus.CONFIRMED],
        )
        found = same_key.first() or live.first()
        if found is None:
            raise
        return found


# ----- confirmation ----------------------------------------------------------------------------


def _confirm(payment: Payment, *, via: str, sequence: int) -> bool:
    """Confirm once, inside the caller's transaction: True for the one call that did."""
    now = timezone.now()
    updated = Payment.objects.filter(pk=payment.pk, status__in=OPEN).update(
        status=PaymentStatus.CONFIRMED,
        confirmed_at=now,
        confirmed_via=via,
        last_sequence=Greatest(F("last_sequence"), sequence),
    )
    if not updated:
        return False
    payment.refresh_from_db()
    ledger.record(
        "payment.confirmed",
        subject_ref=payment.ref,
        actor_role="provider",
        department=payment.payee.code,
        payload={
            "amount_fen": payment.amount_fen,
            "provider": payment.provider,
            # A digest: a provider's identifier may hold a digit run the ledger takes for a
            # mobile number (it refuses those), and the public log needs no more.
            "provider_payment_sha256": hashlib.sha256(
                (payment.provider_payment_id or "").encode()
            ).hexdigest(),
            "via": via,
        },
    )
    transaction.on_commit(lambda: signals.payment_confirmed.send(sender=Payment, payment=payment))
    return True


def _log(
    provider: str,
    body: bytes,
    outcome: str,
    *,
    reason: str = "",
    event: ProviderEvent | None = None,
    payment: Payment | None = None,
    claimed: dict[str, object] | None = None,
) -> WebhookLog:
    claimed = claimed or {}
    data = claimed.get("data") if isinstance(claimed.get("data"), dict) else {}
    assert isinstance(data, dict)
    return WebhookLog.objects.create(
        provider=provider,
        event_id=(event.id if event else str(claimed.get("id", "")))[:64],
        event_type=(event.type if event else str(claimed.get("type", "")))[:32],
        provider_payment_id=(event.payment_id if event else str(data.get("payment", "")))[:64],
        payment=payment,
        outcome=outcome,
        reason=reason,
        body_sha256=hashlib.sha256(body).hexdigest(),
    )


def _refuse(provider: str, body: bytes, reason: str, **kwargs: object) -> WebhookRefused:
    _log(provider, body, WebhookOutcome.REFUSED, reason=reason, **kwargs)  # type: ignore[arg-type]
    logger.warning(
        "webhook from %s refused: %s (body sha256 %s)",
        provider,
        reason,
        hashlib.sha256(body).hexdigest(),
    )
    return WebhookRefused(reason)


def receive_webhook(
    provider: str, body: bytes, signature: str, *, now: datetime | None = None
) -> WebhookLog:
    """A webhook from the provider: checked (signature and its age, the payment it names,
    reference and amount) and applied at most once. Raises WebhookRefused, logged, for a
    forged, replayed or mismatching webhook."""
    now = now or timezone.now()
    try:
        event = provider_named(provider).parse_webhook(body, signature, now=now)
    except WebhookRefused as refused:
        raise _refuse(provider, body, refused.reason, claimed=refused.event) from None
    payment = Payment.objects.filter(
        provider=provider, provider_payment_id=event.payment_id
    ).first()
    if payment is None:
        raise _refuse(provider, body, "unknown_payment", event=event)
    if event.reference != payment.ref or event.amount_fen != payment.amount_fen:
        raise _refuse(provider, body, "amount_mismatch", event=event, payment=payment)
    with transaction.atomic():
        if event.type == "payment.succeeded":
            applied = _confirm(payment, via="webhook", sequence=event.sequence)
            outcome = WebhookOutcome.APPLIED if applied else WebhookOutcome.DUPLICATE
        elif event.type == "payment.failed":
            # Only a newer word than what we applied, and never over a confirmation.
            moved = Payment.objects.filter(
                pk=payment.pk,
                status__in=[PaymentStatus.CREATED, PaymentStatus.PENDING],
                last_sequence__lt=event.sequence,
            ).update(status=PaymentStatus.FAILED, last_sequence=event.sequence)
            outcome = WebhookOutcome.APPLIED if moved else WebhookOutcome.STALE
        elif event.type == "refund.succeeded":
            refund = Refund.objects.filter(
                payment=payment, provider_refund_id=event.refund_id
            ).first()
            if refund is None:
                outcome = WebhookOutcome.STALE  # not ours yet: the refund call records it
            else:
                applied = _confirm_refund(refund)
                outcome = WebhookOutcome.APPLIED if applied else WebhookOutcome.DUPLICATE
        else:
            outcome = WebhookOutcome.STALE
        return _log(provider, body, outcome, event=event, payment=payment)


def refresh_payment(payment: Payment) -> Payment:
    """Ask the provider how the payment stands (the payer came back, or its webhook is late)
    and apply its answer at most once."""
    if payment.status not in OPEN or payment.provider_payment_id is None:
        return payment
    found = provider_named(payment.provider).retrieve(payment.provider_payment_id)
    if found.reference != payment.ref or found.amount_fen != payment.amount_fen:
        logger.warning("status query for %s: the provider's amount differs", payment.ref)
        return payment
    with transaction.atomic():
        if found.status == "succeeded":
            _confirm(payment, via="status_query", sequence=0)
        elif found.status == "failed":
            Payment.objects.filter(
                pk=payment.pk, status__in=[PaymentStatus.CREATED, PaymentStatus.PENDING]
            ).update(status=PaymentStatus.FAILED)
    payment.refresh_from_db()
    return payment


# ----- refunds ---------------------------------------------------------------------------------


REFUNDING_ROLES = (Role.APPROVER, Role.DEPARTMENT_ADMIN)
REASON_MIN_LENGTH = 4


def may_refund(officer: User, payment: Payment) -> bool:
    """An approver or administrator of the department the payment was made to."""
    return (
        officer.is_officer
        and officer.department_id == payment.payee_id
        and OfficerRole.objects.filter(user=officer, role__in=REFUNDING_ROLES).exists()
    )


def refund_by_officer(
    officer: User, payment: Payment, *, amount_fen: int, reason: str, idempotency_key: str
) -> Refund:
    """An officer of the payee department refunds all or part of a confirmed payment, giving
    a reason. Raises PermissionDenied (not an approver of the payee department), DomainError
    `reason` or as `refund_payment`."""
    if not may_refund(officer, payment):
        raise PermissionDenied(
            _("Only approvers of the department that was paid refund its payments.")
        )
    reason = reason.strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise DomainError(
            _("Give the reason, at least %(n)s characters."),
            field="reason",
            code="reason_too_short",
            params={"n": REASON_MIN_LENGTH},
        )
    return refund_payment(
        payment,
        amount_fen=amount_fen,
        reason=reason,
        idempotency_key=idempotency_key,
        by=officer,
    )


def refund_payment(
    payment: Payment,
    *,
    amount_fen: int,
    reason: str,
    idempotency_key: str,
    by: User | None = None,
) -> Refund:
    """Refund all or part of a confirmed payment (a cancelled appointment, a fee charged in
    error). The same key returns the same refund. The payment's row is locked while the
    refund is recorded, and refunds asked and not yet failed count against what is left, so
    concurrent refunds never add up to more than was paid. Raises DomainError
    `refund_too_large`, Conflict `not_paid`."""
    existing = Refund.objects.filter(payment=payment, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        existing = Refund.objects.filter(payment=locked, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
        if locked.status not in (PaymentStatus.CONFIRMED, PaymentStatus.REFUNDED):
            raise Conflict(_("Only a paid fee can be refunded."), code="not_paid")
        left = locked.amount_fen - refunds_held(locked)
        if not 0 < amount_fen <= left:
            raise DomainError(
                _("A refund must be between 1 fen and the %(left)s fen not yet refunded."),
                code="refund_too_large",
                field="amount_fen",
                params={"left": left},
            )
        refund = Refund.objects.create(
            ref=_ref("R", timezone.now()),
            payment=locked,
            amount_fen=amount_fen,
            reason=reason[:200],
            idempotency_key=idempotency_key,
        )
        if by is not None:
            assert by.department is not None
            ledger.record(
                "payment.refund_decided",
                subject_ref=refund.ref,
                actor_role="approver",
                department=by.department.code,
                payload={
                    "payment": locked.ref,
                    "amount_fen": amount_fen,
                    "reason_sha256": hashlib.sha256(reason.encode()).hexdigest(),
                },
            )
    assert locked.provider_payment_id is not None
    answer = provider_named(locked.provider).refund(
        locked.provider_payment_id, amount_fen=amount_fen, idempotency_key=refund.ref
    )
    with transaction.atomic():
        if answer.status == "succeeded":
            Refund.objects.filter(pk=refund.pk).update(provider_refund_id=answer.id)
            _confirm_refund(refund)
        else:
            Refund.objects.filter(pk=refund.pk, status=RefundStatus.REQUESTED).update(
                status=RefundStatus.FAILED
            )
    refund.refresh_from_db()
    payment.refresh_from_db()
    return refund


def refunds_held(payment: Payment) -> int:
    """The fen of the payment's refunds confirmed or still asked of the provider."""
    total = Refund.objects.filter(
        payment=payment, status__in=[RefundStatus.REQUESTED, RefundStatus.CONFIRMED]
    ).aggregate(total=Sum("amount_fen"))["total"]
    return int(total or 0)


def _confirm_refund(refund: Refund) -> bool:
    now = timezone.now()
    if not Refund.objects.filter(pk=refund.pk, status=RefundStatus.REQUESTED).update(
        status=RefundStatus.CONFIRMED, confirmed_at=now
    ):
        return False
    # The sum can never pass the amount paid: the condition is in the UPDATE itself.
    Payment.objects.filter(
        pk=refund.payment_id, refunded_fen__lte=F("amount_fen") - refund.amount_fen
    ).update(refunded_fen=F("refunded_fen") + refund.amount_fen)
    Payment.objects.filter(pk=refund.payment_id, refunded_fen=F("amount_fen")).update(
        status=PaymentStatus.REFUNDED
    )
    refund.refresh_from_db()
    payment = refund.payment
    payment.refresh_from_db()
    ledger.record(
        "payment.refunded",
        subject_ref=refund.ref,
        actor_role="provider",
        department=payment.payee.code,
        payload={"payment": payment.ref, "amount_fen": refund.amount_fen},
    )
    notify.send(
        payment.payer,
        Event.PAYMENT_REFUNDED,
        context={
            "ref": payment.ref,
            "description": payment.description,
            "amount": yuan(refund.amount_fen),
            "link": reverse("payments:detail", args=[payment.ref]),
        },
        subject_ref=refund.ref,
    )
    transaction.on_commit(
        lambda: signals.payment_refunded.send(sender=Payment, payment=payment, refund=refund)
    )
    return True


# ----- receipts --------------------------------------------------------------------------------


def note_receipt(payment: Payment, number: str) -> None:
    """The e-receipt issued for a payment (by the app above that issues it)."""
    Payment.objects.filter(pk=payment.pk, receipt_number="").update(receipt_number=number)


def note_refund_receipt(refund: Refund, number: str) -> None:
    Refund.objects.filter(pk=refund.pk, receipt_number="").update(receipt_number=number)


# ----- reconciliation --------------------------------------------------------------------------


def reconcile(provider: str, day: date) -> list[ReconciliationFinding]:
    """Compare the provider's payments of a day (Beijing time) with ours and record every
    difference once: paid there and unknown here, paid there and not confirmed here, amounts
    that differ, confirmed here and not paid there. Returns the day's findings."""
    theirs = {row.id: row for row in provider_named(provider).payments_on(day)}
    ours: dict[str | None, Payment] = {
        payment.provider_payment_id: payment
        for payment in Payment.objects.filter(
            Q(provider_payment_id__in=list(theirs))
            | Q(
                provider=provider,
                status__in=[PaymentStatus.CONFIRMED, PaymentStatus.REFUNDED],
                confirmed_at__date=day,
            )
        )
    }
    found: list[tuple[str, str, str]] = []
    for pid, row in theirs.items():
        mine = ours.get(pid)
        if row.status != "succeeded":
            continue
        if mine is None:
            found.append((pid, FindingKind.MISSING_HERE, f"{row.reference} {row.amount_fen} fen"))
        elif mine.amount_fen != row.amount_fen:
            found.append(
                (pid, FindingKind.AMOUNT, f"{mine.ref}: {mine.amount_fen} ≠ {row.amount_fen} fen")
            )
        elif mine.status not in (PaymentStatus.CONFIRMED, PaymentStatus.REFUNDED):
            found.append((pid, FindingKind.STATUS, f"{mine.ref}: {mine.status}"))
    for paid_id, payment in ours.items():
        if paid_id is not None and payment.status in (
            PaymentStatus.CONFIRMED,
            PaymentStatus.REFUNDED,
        ):
            theirs_row = theirs.get(paid_id)
            if theirs_row is None or theirs_row.status != "succeeded":
                found.append((paid_id, FindingKind.MISSING_THERE, payment.ref))
    for pid, kind, detail in found:
        ReconciliationFinding.objects.get_or_create(
            provider=provider,
            provider_payment_id=pid,
            kind=kind,
            defaults={"day": day, "detail": detail[:300]},
        )
    return list(ReconciliationFinding.objects.filter(provider=provider, day=day))
