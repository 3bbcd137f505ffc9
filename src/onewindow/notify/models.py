"""Inbox messages and the delivery state of their email and SMS copies."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    APPLICATION_RECEIVED = "application_received", _("Application received")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    APPLICATION_APPROVED = "application_approved", _("Application approved")
    APPLICATION_REJECTED = "application_rejected", _("Application rejected")
    READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")
    STEP_REMINDER = "step_reminder", _("Step due soon")
    STEP_ESCALATED = "step_escalated", _("Step escalated")
    MISUSE_REPORTED = "misuse_reported", _("Suspected misuse of data reported")
    MISUSE_DECIDED = "misuse_decided", _("Report of misuse decided")
    CREDENTIAL_ISSUED = "credential_issued", _("Licence or certificate issued")
    CREDENTIAL_STATUS_CHANGED = "credential_status_changed", _("Licence status changed")
    DELIVERY_DISPATCHED = "delivery_dispatched", _("Result posted")
    DELIVERY_DELIVERED = "delivery_delivered", _("Result delivered")
    DELIVERY_RETURNED = "delivery_returned", _("Post returned")
    DELIVERY_HANDED_OVER = "delivery_handed_over", _("Result collected")
    CASE_RECEIVED = "case_received", _("Hotline case received")
    CASE_PROGRESS = "case_progress", _("Hotline case progress")
    CASE_ANSWERED = "case_answered", _("Hotline case answered")
    CASE_ESCALATED = "case_escalated", _("Hotline case escalated")
    REVIEW_REQUESTED = "review_requested", _("Review of a completed application requested")
    RECTIFICATION_OPENED = "rectification_opened", _("Rectification task opened")
    RECTIFICATION_DONE = "rectification_done", _("Rectification done")
    MEDIATION_ASSIGNED = "mediation_assigned", _("Dispute assigned to a mediator")
    DISPUTE_REGISTERED = "dispute_registered", _("Dispute registered")
    MEDIATION_SESSION = "mediation_session", _("Mediation session recorded")
    AGREEMENT_RECORDED = "agreement_recorded", _("Mediation agreement recorded")
    MEDIATOR_MESSAGE = "mediator_message", _("Message from a mediator")
    INTEGRITY_AUDIT_FAILED = "integrity_audit_failed", _("Integrity audit found a mismatch")
    SERVICE_CHANGED = "service_changed", _("A service you are applying for changed")
    PUBLIC_ALERT = "public_alert", _("Emergency or public-safety alert")
    INSPECTION_RESULT_DUE = "inspection_result_due", _("Inspection result due for publication")
    PAYMENT_REFUNDED = "payment_refunded", _("Payment refunded")
    APPOINTMENT_REMINDER = "appointment_reminder", _("Appointment tomorrow")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class Message(models.Model):
    """One notification: always in the recipient's inbox, copied by email and SMS when the
    recipient has an address and a number. Subject and body are rendered once, at send time,
    in the recipient's language then."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("recipient"),
    )
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    subject_ref = models.CharField(_("reference"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_status = models.CharField(
        _("email"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    sms_status = models.CharField(
        _("SMS"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    last_error = models.TextField(_("last delivery error"), blank=True)

    class Meta:
        indexes = [models.Index(fields=["recipient", "read_at"], name="notify_inbox_idx")]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def is_delivered(self) -> bool:
        """Nothing left to send: every channel is sent or skipped."""
        done = {DeliveryStatus.SENT, DeliveryStatus.SKIPPED}
        return self.email_status in done and self.sms_status in done
