"""The citizen hotline: cases and their reporters, handling, ratings, partner apps' keys,
reviews of completed applications with their rectification tasks, and mediation of disputes.

Reporters' names, numbers and addresses are encrypted at rest (core.personal_data) with a
keyed hash where a lookup needs one (the per-phone flood limit, the same-address duplicate
check); pages show them masked and every officer read is a data access
(`identity.DataAccess`) the reporter sees.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from onewindow.core import personal_data
from onewindow.core.models import Division
from onewindow.identity.models import Department, User

NAME_CONTEXT = "grievances.reporter.name"
PHONE_CONTEXT = "grievances.reporter.phone"
EMAIL_CONTEXT = "grievances.reporter.email"
ADDRESS_CONTEXT = "grievances.case.address"
IP_CONTEXT = "grievances.reporter.ip"
PARTY_NAME_CONTEXT = "grievances.party.name"
PARTY_PHONE_CONTEXT = "grievances.party.phone"


def address_hash(address: str) -> str:
    """The keyed hash of an address without its spaces and case: same address, same hash."""
    address = "".join(address.split()).lower()
    return personal_data.lookup_hash(address, context=ADDRESS_CONTEXT) if address else ""


class CaseKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    HELP = "help", _("Request for help")
    CONSULTATION = "consultation", _("Consultation")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")


class Urgency(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    HOTLINE = "hotline", _("Hotline call")
    OPEN311 = "open311", _("Partner app (Open311)")
    VILLAGE_AGENT = "village_agent", _("Village service-station agent")


class ContactPreference(models.TextChoices):
    PHONE = "phone", _("Call me back")
    SMS = "sms", _("Text message")
    INBOX = "inbox", _("My OneWindow inbox")
    NONE = "none", _("Do not contact me")


class CaseStatus(models.TextChoices):
    DISPATCHING = "dispatching", _("Waiting for the dispatcher")
    ASSIGNED = "assigned", _("With the department")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged into another case")


OPEN_STATUSES = (CaseStatus.DISPATCHING, CaseStatus.ASSIGNED)


class RoutedBy(models.TextChoices):
    CLASSIFIER = "classifier", _("The classifier")
    DISPATCHER = "dispatcher", _("A dispatcher")
    SERVICE_CODE = "service_code", _("The partner app's service code")


class Stage(models.TextChoices):
    """The deadlines of a case, in the order they fall due."""

    RESPOND = "respond", _("Accept the case")
    REPLY = "reply", _("First reply to the reporter")
    RESOLVE = "resolve", _("Answer")


STAGE_ORDER = {"": 0, Stage.RESPOND: 1, Stage.REPLY: 2, Stage.RESOLVE: 3}


class CaseCounter(models.Model):
    """The last sequence number handed out per county and day, for readable refs."""

    prefix = models.CharField(max_length=24, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last}"


class ApiClient(models.Model):
    """A partner app allowed to post Open311 requests. Only a hash of its key is kept."""

    name = models.CharField(_("partner app"), max_length=100)
    key_prefix = models.CharField(max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("jurisdiction")
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Case(models.Model):
    ref = models.CharField(_("case number"), max_length=32, unique=True)
    kind = models.CharField(_("type"), max_length=16, choices=CaseKind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    text = models.TextField(_("what happened"))
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("where")
    )
    # Eight decimals (about 1 mm): a coordinate is kept as precisely as the reporter gave it.
    latitude = models.DecimalField(max_digits=11, decimal_places=8, null=True, blank=True)
    longitude = models.DecimalField(max_digits=11, decimal_places=8, null=True, blank=True)
    # A photo a partner app hosts (Open311 `media_url`), shown with the public request.
    media_url = models.URLField(max_length=500, blank=True)
    address_encrypted = models.TextField(blank=True, editable=False)
    address_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.ORDINARY
    )
    # Where the case goes: the classifier's proposal, then the routed department.
    proposed_kind = models.CharField(max_length=32, blank=True)
    proposed_category = models.CharField(max_length=64, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    model_version = models.CharField(max_length=64, blank=True)
    category = models.CharField(_("category"), max_length=64, blank=True)
    routed_by = models.CharField(max_length=16, choices=RoutedBy.choices, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grievance_cases",
        verbose_name=_("responsible department"),
    )
    escalated_to = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_stage = models.CharField(max_length=16, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.DISPATCHING
    )
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    respond_due = models.DateTimeField()
    reply_due = models.DateTimeField()
    resolve_due = models.DateTimeField()
    assigned_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    public_reply = models.TextField(_("public reply"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_cases"
    )
    terms = models.TextField(blank=True, editable=False)  # segmented, stop-words removed
    api_client = models.ForeignKey(
        ApiClient, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("hotline case")
        indexes = [
            models.Index(fields=["status", "resolve_due"]),
            models.Index(fields=["division", "received_at"]),
        ]

    def __str__(self) -> str:
        return self.ref

    def set_address(self, address: str) -> None:
        address = " ".join(address.split())
        self.address_encrypted = (
            personal_data.encrypt(address, context=ADDRESS_CONTEXT) if address else ""
        )
        self.address_hash = address_hash(address)

    @property
    def address(self) -> str:
        if not self.address_encrypted:
            return ""
        return personal_data.decrypt(self.address_encrypted, context=ADDRESS_CONTEXT)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def title(self) -> str:
        first = self.text.strip().splitlines()[0] if self.text.strip() else ""
        return first[:40] + ("…" if len(first) > 40 else "")


class Reporter(models.Model):
    """One person who reported a case (a merged case has many); anonymous ones name no one."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reporters")
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="grievance_reports"
    )
    anonymous = models.BooleanField(_("anonymous"), default=False)
    name_encrypted = models.TextField(blank=True, editable=False)
    phone_encrypted = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email_encrypted = models.TextField(blank=True, editable=False)
    ip_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    contact_preference = models.CharField(
        _("how to reach me"),
        max_length=8,
        choices=ContactPreference.choices,
        default=ContactPreference.NONE,
    )
    original_case_ref = models.CharField(max_length=32)  # the case they filed, before a merge
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    told_at = models.DateTimeField(null=True, blank=True)  # last public reply sent to them

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"reporter {self.pk} of {self.case_id}"

    def set_contact(self, *, name: str = "", phone: str = "", email: str = "") -> None:
        self.name_encrypted = personal_data.encrypt(name, context=NAME_CONTEXT) if name else ""
        self.phone_encrypted = personal_data.encrypt(phone, context=PHONE_CONTEXT) if phone else ""
        self.phone_hash = personal_data.lookup_hash(phone, context=PHONE_CONTEXT) if phone else ""
        self.email_encrypted = personal_data.encrypt(email, context=EMAIL_CONTEXT) if email else ""

    def _plain(self, token: str, context: str) -> str:
        return personal_data.decrypt(token, context=context) if token else ""

    @property
    def name(self) -> str:
        return self._plain(self.name_encrypted, NAME_CONTEXT)

    @property
    def phone(self) -> str:
        return self._plain(self.phone_encrypted, PHONE_CONTEXT)

    @property
    def email(self) -> str:
        return self._plain(self.email_encrypted, EMAIL_CONTEXT)

    @property
    def masked_name(self) -> str:
        return personal_data.mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return personal_data.mask_mobile(self.phone) if self.phone else ""


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="grievances/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"photo {self.pk} of {self.case_id}"


ACTION_LABELS = {
    "received": _("Received"),
    "routed": _("Routed to the department"),
    "to_dispatcher": _("Sent to a dispatcher"),
    "dispatched": _("Routed by a dispatcher"),
    "acknowledged": _("Accepted by the department"),
    "progress": _("Progress reported"),
    "answered": _("Answered"),
    "transferred": _("Transferred"),
    "contested": _("Transfer contested"),
    "contest_decided": _("Contest decided"),
    "escalated": _("Escalated to the level above"),
    "rated": _("Rated"),
    "reopened": _("Reopened"),
    "closed": _("Closed"),
    "merged": _("Merged into another case"),
    "merged_in": _("A repeated report was merged in"),
}


class CaseEvent(models.Model):
    """The case's timeline: every step anyone took, with the ledger index of decisions."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"

    @property
    def label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def note_display(self) -> str:
        """The note in the reader's language where it names a channel: "received" events
        keep the channel's code (older ones its label in the language of the day)."""
        if self.action == "received":
            for channel in Channel:
                with translation.override("en"):
                    english = str(channel.label)
                with translation.override("zh-hans"):
                    chinese = str(channel.label)
                if self.note in (channel.value, english, chinese):
                    return str(channel.label)
        return self.note


class TransferDecision(models.TextChoices):
    UPHELD = "upheld", _("The transfer stands")
    RETURNED = "returned", _("Returned to the transferring department")
    REASSIGNED = "reassigned", _("Sent to another department")


class Transfer(models.Model):
    """A department hands a case to another; the receiver may contest it once."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    to_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    contested_at = models.DateTimeField(null=True, blank=True)
    contest_reason = models.TextField(blank=True)
    contested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(max_length=16, choices=TransferDecision.choices, blank=True)
    decided_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_department_id} → {self.to_department_id}"

    @property
    def awaits_decision(self) -> bool:
        return self.contested_at is not None and not self.decision


class MergeStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Merged")
    REJECTED = "rejected", _("Not the same")


class MergeProposal(models.Model):
    """`case` looks like a repeat of `primary` (same place, similar words, close in time)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="merge_proposals")
    primary = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    similarity = models.FloatField()
    distance_m = models.FloatField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=MergeStatus.choices, default=MergeStatus.PROPOSED
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-similarity"]
        constraints = [
            models.UniqueConstraint(fields=["case", "primary"], name="one_proposal_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} ≈ {self.primary_id}"


class DispatcherCorrection(models.Model):
    """A dispatcher routed a case otherwise than the classifier proposed: training data."""

    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, related_name="corrections")
    text = models.TextField()
    language = models.CharField(max_length=8)
    proposed_kind = models.CharField(max_length=32, blank=True)
    proposed_category = models.CharField(max_length=64, blank=True)
    corrected_kind = models.CharField(max_length=32)
    corrected_category = models.CharField(max_length=64)
    model_version = models.CharField(max_length=64, blank=True)
    dispatcher = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposed_category or '?'} → {self.corrected_category}"


LEVELS = [
    (1, _("Very dissatisfied")),
    (2, _("Dissatisfied")),
    (3, _("Neutral")),
    (4, _("Satisfied")),
    (5, _("Very satisfied")),
]
DISSATISFIED_AT_MOST = 2
LEVEL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class Rating(models.Model):
    """A reporter's rating of one answer (round 0 is the first answer, 1 after a reopen)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ratings")
    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE, related_name="ratings")
    round = models.PositiveSmallIntegerField()
    level = models.PositiveSmallIntegerField(choices=LEVELS, validators=LEVEL_VALIDATORS)
    tags = models.JSONField(default=list, blank=True)
    comment = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "reporter", "round"], name="one_rating_per_answer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} round {self.round}: {self.level}"

    @property
    def is_dissatisfied(self) -> bool:
        return self.level <= DISSATISFIED_AT_MOST


# ----- reviews of completed applications ----------------------------------------------------


class ReviewInvitation(models.Model):
    """A completed application asks its applicant for a good/bad review."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="review_invitations")
    subject_ref = models.CharField(max_length=40)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    service_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "subject_ref"], name="one_invitation_per_ref")
        ]

    def __str__(self) -> str:
        return f"review of {self.subject_ref}"


class Review(models.Model):
    invitation = models.OneToOneField(
        ReviewInvitation, on_delete=models.CASCADE, related_name="review"
    )
    level = models.PositiveSmallIntegerField(choices=LEVELS, validators=LEVEL_VALIDATORS)
    tags = models.JSONField(default=list, blank=True)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.invitation.subject_ref}: {self.level}"

    @property
    def is_bad(self) -> bool:
        return self.level <= DISSATISFIED_AT_MOST


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("To rectify")
    DONE = "done", _("Rectified")


class RectificationTask(models.Model):
    """A bad review obliges the department to rectify by a deadline and tell the reviewer."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="rectification")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="rectifications"
    )
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=8, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    response = models.TextField(blank=True)
    done_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    # Past its deadline the task escalates once, like a step, to the supervising department,
    # which then sees it among its own.
    escalated_to = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]

    def __str__(self) -> str:
        return f"rectification of {self.review_id}"


# ----- mediation of grassroots disputes -----------------------------------------------------


class DisputeKind(models.TextChoices):
    NEIGHBOURS = "neighbours", _("Between neighbours")
    LABOUR = "labour", _("Labour")
    LAND = "land", _("Land")
    FAMILY = "family", _("Family")


class DisputeStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    IN_MEDIATION = "in_mediation", _("In mediation")
    AGREED = "agreed", _("Agreement reached")
    FAILED = "failed", _("No agreement")
    FOLLOWED_UP = "followed_up", _("Followed up")


class Dispute(models.Model):
    ref = models.CharField(max_length=32, unique=True)
    kind = models.CharField(_("kind of dispute"), max_length=16, choices=DisputeKind.choices)
    summary = models.TextField(_("what the dispute is about"))
    township = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="disputes")
    status = models.CharField(
        max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.REGISTERED
    )
    mediator = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="mediations"
    )
    registered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(default=timezone.now)
    agreement = models.TextField(_("agreement"), blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    follow_up_due = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="disputes"
    )

    class Meta:
        ordering = ["-registered_at"]

    def __str__(self) -> str:
        return self.ref


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")


class AgreementResponse(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")


class DisputeParty(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(max_length=16, choices=PartyRole.choices)
    name_encrypted = models.TextField(editable=False)
    phone_encrypted = models.TextField(blank=True, editable=False)
    # The party's account, when their phone number is a registered account's: they are told
    # in their inbox and see the dispute on their pages.
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="dispute_parties"
    )
    response = models.CharField(
        _("answer to the agreement"), max_length=16, choices=AgreementResponse.choices, blank=True
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"party {self.pk} of {self.dispute_id}"

    def set_contact(self, *, name: str, phone: str = "") -> None:
        self.name_encrypted = personal_data.encrypt(name, context=PARTY_NAME_CONTEXT)
        self.phone_encrypted = (
            personal_data.encrypt(phone, context=PARTY_PHONE_CONTEXT) if phone else ""
        )

    @property
    def masked_name(self) -> str:
        return personal_data.mask_name(
            personal_data.decrypt(self.name_encrypted, context=PARTY_NAME_CONTEXT)
        )

    def plain_phone(self) -> str:
        """The number, for the platform to send to: read only by `mediation.message_party`,
        which records the read."""
        if not self.phone_encrypted:
            return ""
        return personal_data.decrypt(self.phone_encrypted, context=PARTY_PHONE_CONTEXT)


class DisputeMessage(models.Model):
    """A mediator's message to a party, sent by the platform: the mediator never sees the
    number it went to."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="messages")
    party = models.ForeignKey(DisputeParty, on_delete=models.CASCADE, related_name="messages")
    text = models.TextField()
    sent_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sent_at", "pk"]

    def __str__(self) -> str:
        return f"message {self.pk} of {self.dispute_id}"


class MediationSession(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField()
    place = models.CharField(max_length=200)
    notes = models.TextField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["held_at"]

    def __str__(self) -> str:
        return f"session {self.pk} of {self.dispute_id}"


class FollowUpVisit(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="visits")
    visited_at = models.DateTimeField()
    agreement_kept = models.BooleanField()
    notes = models.TextField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["visited_at"]

    def __str__(self) -> str:
        return f"visit {self.pk} of {self.dispute_id}"
