"""Rate limits: one mechanism for every door that people or programs can hammer.

A `Limit` names a rate in `settings.ONEWINDOW_RATE_LIMITS` (e.g. "20 per hour") and the
message a person sees when it is reached. `hit` counts one request and raises `RateLimited`
(429, with `retry_after` seconds) past the limit; `check` refuses without counting, and
`record` counts without refusing (sign-in failures are counted after the fact, checked
before the next try). What is counted is a keyed hash of the value (a network address, a
mobile number, an account), never the value itself.

The counting is done by the `limits` package (docs/adr/0009-rate-limits.md), fixed windows
that start at the first hit. The counters live where every server process sees them: in
Redis when `ONEWINDOW_RATE_LIMIT_URL` names one, else in the database (`RateCounter`, updated
atomically, so two processes never lose a count).

Signed-in people are counted per account and anonymous ones per network address
(`hit_requester`), so residents behind one village station or campus address do not share a
limit once they have signed in.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter

from onewindow.core import personal_data
from onewindow.core.errors import DomainError
from onewindow.core.models import RateCounter

logger = logging.getLogger(__name__)

HASH_CONTEXT = "ratelimit"
# An IPv6 customer usually holds a whole /64: count it as one address, or a single host could
# rotate through 2**64 of them.
IPV6_PREFIX = 64


class RateLimited(DomainError):
    """Too many requests: 429, with `retry_after` (seconds) and `minutes` in params."""

    status = 429
    code = "rate_limited"


@dataclass(frozen=True)
class Limit:
    """A limit: its rate is `settings.ONEWINDOW_RATE_LIMITS[name]`; `message` may use
    %(minutes)d, the time until the window ends."""

    name: str
    message: str | Promise


# Every limit of the platform; each name has its rate in settings.ONEWINDOW_RATE_LIMITS.
REGISTRATION_PER_ADDRESS = Limit(
    "registration.address",
    _(
        "Too many accounts have been opened from your network. Please try again in "
        "%(minutes)d minutes, or ask for help at a service hall."
    ),
)
REGISTRATION_PER_MOBILE = Limit(
    "registration.mobile",
    _("Too many registrations with this mobile number. Please try again in %(minutes)d minutes."),
)
PASSWORD_RESET_PER_ADDRESS = Limit(
    "password_reset.address",
    _(
        "Too many password reset requests from your network. Please try again in "
        "%(minutes)d minutes."
    ),
)
PASSWORD_RESET_PER_EMAIL = Limit(
    "password_reset.email",
    _(
        "Too many password reset requests for this email address. Use the link we have "
        "already sent, or try again in %(minutes)d minutes."
    ),
)
SIGN_IN_FAILURES_PER_ADDRESS = Limit(
    "sign_in_failures.address",
    _(
        "Too many failed sign-ins from your network. Please try again in %(minutes)d minutes, "
        "or reset your password."
    ),
)
SIGN_IN_FAILURES_PER_ACCOUNT = Limit(
    "sign_in_failures.account",
    _(
        "Too many failed sign-ins to this account. For its safety it cannot sign in for "
        "%(minutes)d minutes. You can reset your password."
    ),
)
VERIFY_PER_ADDRESS = Limit(
    "verify.address",
    _("Too many verifications from your network. Please try again in %(minutes)d minutes."),
)
VERIFY_PER_ACCOUNT = Limit(
    "verify.account",
    _("Too many verifications from your account. Please try again in %(minutes)d minutes."),
)
HOTLINE_PER_ADDRESS = Limit(
    "hotline.address",
    _(
        "Too many reports from your network. Please try again in %(minutes)d minutes, or call "
        "12345 if it is urgent."
    ),
)
HOTLINE_PER_ACCOUNT = Limit(
    "hotline.account",
    _(
        "Too many reports from your account. Please try again in %(minutes)d minutes, or call "
        "12345 if it is urgent."
    ),
)
HOTLINE_PER_PARTNER = Limit(
    "hotline.partner",
    _("Too many reports from this partner application. Try again in %(minutes)d minutes."),
)
ASSISTANT_PER_ADDRESS = Limit(
    "assistant.address",
    _("Too many questions from your network. Try again in %(minutes)d minutes, or call 12345."),
)
ASSISTANT_PER_ACCOUNT = Limit(
    "assistant.account",
    _("Too many questions from your account. Try again in %(minutes)d minutes, or call 12345."),
)
LIMITS = [
    REGISTRATION_PER_ADDRESS,
    REGISTRATION_PER_MOBILE,
    PASSWORD_RESET_PER_ADDRESS,
    PASSWORD_RESET_PER_EMAIL,
    SIGN_IN_FAILURES_PER_ADDRESS,
    SIGN_IN_FAILURES_PER_ACCOUNT,
    VERIFY_PER_ADDRESS,
    VERIFY_PER_ACCOUNT,
    HOTLINE_PER_ADDRESS,
    HOTLINE_PER_ACCOUNT,
    HOTLINE_PER_PARTNER,
    ASSISTANT_PER_ADDRESS,
    ASSISTANT_PER_ACCOUNT,
]


def _rate(limit: Limit) -> RateLimitItem:
    return _parse(settings.ONEWINDOW_RATE_LIMITS[limit.name])


@cache
def _parse(text: str) -> RateLimitItem:
    return parse(text)


class DatabaseStorage(Storage):
    """A `limits` storage on the project's database: one `RateCounter` row per window.

    The increment is one UPDATE (row-locked on PostgreSQL, the database lock on SQLite),
    and a new window is one INSERT that a concurrent twin turns into an UPDATE, so counts
    from several processes add up exactly."""

    STORAGE_SCHEME = ["onewindow-database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: object):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return DatabaseError

    def _add(self, key: str, amount: int, now: float) -> int:
        counters = RateCounter.objects.filter(key=key)
        if counters.filter(expires_at__gt=now).update(count=F("count") + amount):
            return counters.values_list("count", flat=True).get()
        return 0

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with transaction.atomic():
            count = self._add(key, amount, now)
            if count:
                return count
            # Only an expired row goes: another process's fresh window must stay.
            RateCounter.objects.filter(key=key, expires_at__lte=now).delete()
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, count=amount, expires_at=now + expiry)
            except IntegrityError:  # another process opened the window first
                return self._add(key, amount, now)
            return amount

    def get(self, key: str) -> int:
        found = (
            RateCounter.objects.filter(key=key, expires_at__gt=time.time())
            .values_list("count", flat=True)
            .first()
        )
        return found or 0

    def get_expiry(self, key: str) -> float:
        found = RateCounter.objects.filter(key=key).values_list("expires_at", flat=True).first()
        return found if found is not None else time.time()

    def check(self) -> bool:
        try:
            RateCounter.objects.exists()
        except DatabaseError:
            return False
        return True

    def reset(self) -> int | None:
        deleted, _per_model = RateCounter.objects.all().delete()
        return deleted

    def clear(self, key: str) -> None:
        RateCounter.objects.filter(key=key).delete()


@cache
def _storage(url: str) -> Storage:
    if not url:
        return DatabaseStorage(wrap_exceptions=True)
    return RedisStorage(url, key_prefix="onewindow", wrap_exceptions=True)


def limiter() -> FixedWindowRateLimiter:
    """The limiter on the configured storage (one storage object per process)."""
    return FixedWindowRateLimiter(_storage(settings.ONEWINDOW_RATE_LIMIT_URL))


def _key(value: str) -> str:
    return personal_data.lookup_hash(value, context=HASH_CONTEXT)


def _refuse(limit: Limit, rate: RateLimitItem, key: str) -> RateLimited:
    reset = limiter().get_window_stats(rate, limit.name, key).reset_time
    seconds = max(1, math.ceil(reset - time.time()))
    return RateLimited(
        limit.message,
        params={"retry_after": seconds, "minutes": max(1, math.ceil(seconds / 60))},
    )


def hit(limit: Limit, value: str) -> None:
    """Count one request for `value`; raise RateLimited when it is over the limit.
    An empty value (no mobile number given, say) is not counted."""
    if not value:
        return
    rate, key = _rate(limit), _key(value)
    try:
        allowed = limiter().hit(rate, limit.name, key)
    except StorageError:
        # A limit defends the service; it must not take it down when its store is away.
        logger.warning("rate limit %s not counted: storage unavailable", limit.name)
        return
    if not allowed:
        raise _refuse(limit, rate, key)


def check(limit: Limit, value: str) -> None:
    """Raise RateLimited when `value` has already reached the limit; count nothing."""
    if not value:
        return
    rate, key = _rate(limit), _key(value)
    try:
        allowed = limiter().test(rate, limit.name, key)
    except StorageError:
        logger.warning("rate limit %s not checked: storage unavailable", limit.name)
        return
    if not allowed:
        raise _refuse(limit, rate, key)


def record(limit: Limit, value: str) -> None:
    """Count one event (a failed sign-in, say) without refusing anything now."""
    if not value:
        return
    try:
        limiter().hit(_rate(limit), limit.name, _key(value))
    except StorageError:
        logger.warning("rate limit %s not counted: storage unavailable", limit.name)


def client_address(request: HttpRequest) -> str:
    """The network address the request came from: REMOTE_ADDR, or, behind
    `ONEWINDOW_PROXY_COUNT` trusted reverse proxies, the address the outermost of them saw
    (that many entries from the right of X-Forwarded-For). IPv6 counts per /64."""
    address = str(request.META.get("REMOTE_ADDR", "") or "")
    proxies = settings.ONEWINDOW_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False).network_address)
    return str(parsed)


def address_of(request: HttpRequest) -> str:
    """What a per-address limit counts for this request."""
    return "address:" + client_address(request)


def account_of(user_pk: int) -> str:
    """What a per-account limit counts for this account."""
    return f"account:{user_pk}"


def hit_requester(request: HttpRequest, *, per_address: Limit, per_account: Limit) -> None:
    """Count the request against its account when signed in, else against its address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        hit(per_account, account_of(user.pk))
    else:
        hit(per_address, address_of(request))


def purge_expired(now: float | None = None) -> int:
    """Delete the database counters whose windows have ended; returns how many."""
    deleted, _per_model = RateCounter.objects.filter(
        expires_at__lte=time.time() if now is None else now
    ).delete()
    return deleted
