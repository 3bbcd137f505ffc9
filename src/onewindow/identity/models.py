"""People and organisations: users of every kind, departments, roles, businesses, agents."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from onewindow.core import personal_data
from onewindow.core.models import Division

ID_NUMBER_CONTEXT = "identity.user.id_number"
MOBILE_CONTEXT = "identity.user.mobile"


class UserKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    OFFICER = "officer", _("Officer")
    STATION_AGENT = "station_agent", _("Village service-station agent")


class Role(models.TextChoices):
    WINDOW_CLERK = "window_clerk", _("Window clerk")
    REVIEWER = "reviewer", _("Reviewer")
    APPROVER = "approver", _("Approver")
    DEPARTMENT_ADMIN = "department_admin", _("Department administrator")
    HOTLINE_AGENT = "hotline_agent", _("Hotline agent")
    DISPATCHER = "dispatcher", _("Dispatcher")
    MEDIATOR = "mediator", _("People's mediator")
    INSPECTOR = "inspector", _("Inspector")
    DATA_STEWARD = "data_steward", _("Data steward")
    SUPERVISOR = "supervisor", _("Supervisor")
    ANALYST = "analyst", _("Analyst")
    CATALOGUE_EDITOR = "catalogue_editor", _("Catalogue editor")
    CATALOGUE_APPROVER = "catalogue_approver", _("Catalogue approver")
    DATA_PUBLISHER = "data_publisher", _("Open-data publisher")
    PROCUREMENT_OFFICER = "procurement_officer", _("Procurement officer")
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")


class DepartmentKind(models.TextChoices):
    GENERAL_OFFICE = "general_office", _("General office")
    GOVERNMENT_SERVICES = "government_services", _("Government services administration")
    PUBLIC_SECURITY = "public_security", _("Public security")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    MARKET_SUPERVISION = "market_supervision", _("Market supervision")
    HUMAN_RESOURCES = "human_resources", _("Human resources and social security")
    TAXATION = "taxation", _("Taxation")
    HEALTH = "health", _("Health")
    NATURAL_RESOURCES = "natural_resources", _("Natural resources")
    HOUSING = "housing", _("Housing and urban-rural development")
    EDUCATION = "education", _("Education")
    TRANSPORT = "transport", _("Transport")
    ECOLOGY = "ecology", _("Ecology and environment")
    EMERGENCY = "emergency", _("Emergency management")
    AGRICULTURE = "agriculture", _("Agriculture and rural affairs")
    HEALTHCARE_SECURITY = "healthcare_security", _("Healthcare security")
    CITY_MANAGEMENT = "city_management", _("Urban management")
    HOTLINE = "hotline", _("Citizen hotline centre")
    DATA_BUREAU = "data_bureau", _("Data resources bureau")
    TOWNSHIP_OFFICE = "township_office", _("Township office")
    DEVELOPMENT_REFORM = "development_reform", _("Development and reform")
    PEOPLES_BANK = "peoples_bank", _("People's Bank branch (account services)")


class Department(models.Model):
    """A government department at one division; branches hang under a parent department."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    kind = models.CharField(_("kind"), max_length=32, choices=DepartmentKind.choices)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="departments")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="branches"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class User(AbstractUser):
    """Every person who signs in. Personal data is kept encrypted with a keyed lookup hash."""

    kind = models.CharField(
        _("account type"), max_length=16, choices=UserKind.choices, default=UserKind.CITIZEN
    )
    real_name = models.CharField(_("real name"), max_length=60, blank=True)
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    mobile_encrypted = models.TextField(blank=True, editable=False)
    mobile_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    division = models.ForeignKey(
        Division,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("registered division"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officers",
        verbose_name=_("department"),
    )
    preferred_language = models.CharField(_("preferred language"), max_length=8, blank=True)
    prefers_elder_mode = models.BooleanField(_("elder-friendly mode"), default=False)

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.real_name or self.username

    @property
    def is_officer(self) -> bool:
        return self.kind == UserKind.OFFICER or self.is_superuser

    @property
    def needs_second_factor(self) -> bool:
        """Officers, station agents and administrators must use TOTP."""
        return self.kind != UserKind.CITIZEN or self.is_staff or self.is_superuser

    def set_id_number(self, id_number: str) -> None:
        self.id_number_encrypted = personal_data.encrypt(id_number, context=ID_NUMBER_CONTEXT)
        self.id_number_hash = personal_data.lookup_hash(id_number, context=ID_NUMBER_CONTEXT)

    def set_mobile(self, mobile: str) -> None:
        self.mobile_encrypted = personal_data.encrypt(mobile, context=MOBILE_CONTEXT)
        self.mobile_hash = personal_data.lookup_hash(mobile, context=MOBILE_CONTEXT)

    def plain_id_number(self) -> str:
        """The resident ID number in clear ("" when none is on file), for the services that
        must pass it on (claims released, exchange requests, credentials). Pages show
        `masked_id_number`."""
        if not self.id_number_encrypted:
            return ""
        return personal_data.decrypt(self.id_number_encrypted, context=ID_NUMBER_CONTEXT)

    @property
    def masked_id_number(self) -> str:
        plain = self.plain_id_number()
        return personal_data.mask_resident_id(plain) if plain else ""

    @property
    def masked_mobile(self) -> str:
        if not self.mobile_encrypted:
            return ""
        return personal_data.mask_mobile(
            personal_data.decrypt(self.mobile_encrypted, context=MOBILE_CONTEXT)
        )


class OfficerRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_officer_role")]
        verbose_name = _("officer role")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class Business(models.Model):
    """A market entity identified by its unified social credit code."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("business name"), max_length=200)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="businesses")
    legal_representative = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="represented_businesses",
        verbose_name=_("legal representative"),
    )
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["credit_code"]
        verbose_name = _("business")
        verbose_name_plural = _("businesses")

    def __str__(self) -> str:
        return self.name


class BusinessAgent(models.Model):
    """A person the legal representative authorised to act for the business."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="agents")
    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="agent_for")
    # Service types the agent may handle; empty means every service of the business.
    service_types = models.JSONField(default=list, blank=True)
    granted_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "agent"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_active_authorisation_per_agent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent} → {self.business}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class ConsentMethod(models.TextChoices):
    ONE_TIME_CODE = "one_time_code", _("One-time code sent to the resident's phone")
    SIGNED_FORM = "signed_form", _("Signed consent form, scanned")


class AgentConsent(models.Model):
    """A resident's recorded consent for a station agent or a window clerk to act on their
    behalf, for a few hours."""

    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents_received")
    resident = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents_given")
    method = models.CharField(
        _("how consent was given"), max_length=16, choices=ConsentMethod.choices
    )
    evidence_digest = models.CharField(max_length=64, blank=True)
    # The scanned signed form, when that is how consent was given (a code leaves no file).
    evidence_file = models.FileField(upload_to="consents/%Y/%m/", blank=True)
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self.agent} for {self.resident}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and self.granted_at <= timezone.now() < self.expires_at


class ConsentChallenge(models.Model):
    """A one-time code sent to a resident's phone (read back to the agent, it proves consent),
    or the reference printed on a consent form the resident signs and the agent scans."""

    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    resident = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(
        max_length=16, choices=ConsentMethod.choices, default=ConsentMethod.ONE_TIME_CODE
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"consent code for {self.resident_id} by {self.agent_id}"


# ----- sign-on for other sites and apps (OpenID Connect) ----------------------------------------


class ClientKind(models.TextChoices):
    GOVERNMENT_SITE = "government_site", _("Government website")
    PARTNER_APP = "partner_app", _("Partner app")
    HALL_TERMINAL = "hall_terminal", _("Service-hall terminal")


class SubjectType(models.TextChoices):
    PAIRWISE = "pairwise", _("Pairwise (a different identifier for each client)")
    PUBLIC = "public", _("Public (the same identifier for every client that asks for it)")


if TYPE_CHECKING:
    # django-oauth-toolkit ships no types: what we use of its abstract application.

    class AbstractApplication(models.Model):
        CLIENT_CONFIDENTIAL: str
        CLIENT_PUBLIC: str
        GRANT_AUTHORIZATION_CODE: str
        RS256_ALGORITHM: str
        client_id: str
        name: str
        redirect_uris: str
        post_logout_redirect_uris: str
        client_type: str
        authorization_grant_type: str
        client_secret: str
        algorithm: str
        skip_authorization: bool
        created: datetime
        updated: datetime

        class Meta:
            abstract = True

        def redirect_uri_allowed(self, uri: str) -> bool: ...

else:
    from oauth2_provider.models import AbstractApplication


class Client(AbstractApplication):
    """A site or app that signs people in through OneWindow (an OAuth 2 / OIDC client).

    Extends django-oauth-toolkit's application (OAUTH2_PROVIDER_APPLICATION_MODEL) with who
    it is, which scopes a platform administrator allowed it, and whether it is suspended.
    """

    kind = models.CharField(_("kind of client"), max_length=16, choices=ClientKind.choices)
    contact_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="oidc_clients",
        verbose_name=_("contact department"),
    )
    # Scopes the client may ask for; anything else is refused with invalid_scope.
    allowed_scopes = models.JSONField(_("allowed scopes"), default=list, blank=True)
    # The law that lets this client read full resident ID numbers (scope `id_number`).
    lawful_basis = models.CharField(
        _("legal basis for full ID numbers"), max_length=300, blank=True
    )
    subject_type = models.CharField(
        _("subject identifier"),
        max_length=8,
        choices=SubjectType.choices,
        default=SubjectType.PAIRWISE,
    )
    # Clients of one organisation may share a sector so they see the same pairwise subject;
    # blank means the host of the first redirect URI.
    sector_identifier = models.CharField(_("sector identifier"), max_length=255, blank=True)
    registered_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    suspension_reason = models.CharField(_("reason for suspension"), max_length=300, blank=True)

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = _("sign-on client")
        verbose_name_plural = _("sign-on clients")

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    def is_usable(self, request: object) -> bool:
        """django-oauth-toolkit asks this before issuing and on every token check: a
        suspended client can neither sign anyone in nor use the tokens it holds."""
        return self.suspended_at is None


class ClientConsent(models.Model):
    """A person allowed a client these scopes; asked again when the client wants more."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="client_consents")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    scopes = models.JSONField(default=list)
    granted_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "client"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_active_consent_per_client",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.client_id}: {' '.join(self.scopes)}"


class ClientUsage(models.Model):
    """Tokens issued to a client, counted per day (the registry's usage page)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    tokens_issued = models.PositiveIntegerField(default=0)
    refreshes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["client", "day"], name="one_usage_row_per_client_day")
        ]

    def __str__(self) -> str:
        return f"{self.client_id} on {self.day}: {self.tokens_issued}"


class AccessKind(models.TextChoices):
    MATERIAL_OPENED = "material_opened", _("Application materials opened")
    CONTACT_READ = "contact_read", _("Contact details read")
    CLAIMS_RELEASED = "claims_released", _("Full ID number released to a site or app")
    EXCHANGE_FETCH = "exchange_fetch", _("Data fetched between departments")
    IDENTITY_LOOKUP = "identity_lookup", _("Identity looked up at a service hall")


class DataAccess(models.Model):
    """One read of someone else's personal data, whoever read it and however: the person
    (or the business) it was about sees it on "who read my data", and `ledger_index` is its
    entry in the public ledger. Written only by `identity.access.record_data_access`."""

    kind = models.CharField(_("kind"), max_length=32, choices=AccessKind.choices)
    subject_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject_business = models.ForeignKey(
        Business, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The department that read, or answers for the reader (a partner app's contact
    # department); none for a department of a peer region (`accessor` names it).
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Who exactly: an officer's account name, a partner app's name, "system" (automatic),
    # or "<department code> · <region>" for a peer region's department.
    accessor = models.CharField(_("accessor"), max_length=150, blank=True)
    what_zh = models.CharField(max_length=200)
    what_en = models.CharField(max_length=200)
    purpose = models.CharField(_("purpose"), max_length=100, blank=True)
    case_ref = models.CharField(_("case"), max_length=64, blank=True)
    legal_basis_zh = models.TextField(blank=True)
    legal_basis_en = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    disclose_after = models.DateTimeField(null=True, blank=True)  # a legal secrecy order
    # A misuse report can be opened on it (an exchange call by one of our departments).
    is_reportable = models.BooleanField(default=False)
    ledger_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["subject_user", "-created_at"], name="access_about_person"),
            models.Index(fields=["subject_business", "-created_at"], name="access_about_business"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.accessor or self.department_id} at {self.created_at}"

    @property
    def what(self) -> str:
        return self.what_zh if (get_language() or "").startswith("zh") else self.what_en

    @property
    def legal_basis(self) -> str:
        zh = (get_language() or "").startswith("zh")
        return (self.legal_basis_zh if zh else self.legal_basis_en) or self.legal_basis_zh


class UserSession(models.Model):
    """One signed-in browser, so the person can list and end their sessions."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    user_agent = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"session of {self.user_id} from {self.started_at:%Y-%m-%d %H:%M}"
