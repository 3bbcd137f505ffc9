"""Settings for OneWindow, read from the environment (see `.env.example`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from onewindow.config.env import (
    env_bool,
    env_list,
    env_str,
    redis_url_with_timeouts,
    retired_keys,
    rsa_key_from_env_or_file,
    secret_from_env_or_file,
)

SRC_DIR = Path(__file__).resolve().parent.parent
# A source checkout keeps its state in <checkout>/var; an installed package in ./var.
_CHECKOUT = SRC_DIR.parent.parent
_DEFAULT_VAR = _CHECKOUT / "var" if (_CHECKOUT / "pyproject.toml").exists() else Path.cwd() / "var"
VAR_DIR = Path(env_str("ONEWINDOW_VAR_DIR", str(_DEFAULT_VAR)))

DEBUG = env_bool("ONEWINDOW_DEBUG", default=False)
SECRET_KEY = secret_from_env_or_file("ONEWINDOW_SECRET_KEY", VAR_DIR / "secret_key", nbytes=48)
# 32 bytes, base64url: the AES-256-GCM key for personal data and the HMAC key for lookups.
ONEWINDOW_DATA_KEY = secret_from_env_or_file("ONEWINDOW_DATA_KEY", VAR_DIR / "data_key", nbytes=32)
ALLOWED_HOSTS = env_list("ONEWINDOW_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("ONEWINDOW_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "oauth2_provider",
    "onewindow.core",
    "onewindow.identity",
    "onewindow.ledger",
    "onewindow.notify",
    "onewindow.catalog",
    "onewindow.exchange",
    "onewindow.credentials",
    "onewindow.payments",
    "onewindow.applications",
    "onewindow.grievances",
    "onewindow.alerts",
    "onewindow.appointments",
    "onewindow.etax",
    "onewindow.rural",
    "onewindow.assistant",
    "onewindow.transparency",
    "onewindow.supervision",
    "onewindow.insights",
    "onewindow.cityops",
    "onewindow.web",
    "onewindow.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages get django-csp's policy; machine calls (the API, signed exchange calls) pass what
    # only pages need: see web.middleware.is_machine_call.
    "onewindow.web.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "onewindow.identity.middleware.SecondFactorMiddleware",
    "onewindow.identity.middleware.RefusedAccessMiddleware",
    "onewindow.web.middleware.PageMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "onewindow.web.middleware.ElderModeMiddleware",
    "onewindow.web.middleware.RateLimitedMiddleware",
    # After the language, the user and elder mode, so its refusal page is in the shell.
    "onewindow.web.middleware.PlainInputMiddleware",
    "onewindow.web.middleware.PublicReadCorsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "onewindow.config.urls"
WSGI_APPLICATION = "onewindow.config.wsgi.application"
ASGI_APPLICATION = "onewindow.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "onewindow.web.context_processors.shell",
            ],
        },
    }
]


def _database(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # WAL lets readers run beside the writer; IMMEDIATE avoids upgrade deadlocks.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # A connection per server thread, kept: opening one (the pragmas, Django's SQL
        # functions) cost ~3 ms, more than a status read. The threads are few (granian's
        # --blocking-threads in the Makefile), and a connection is reopened after 5 minutes
        # so a database file restored under a running server is picked up.
        config["CONN_MAX_AGE"] = 300
        config["CONN_HEALTH_CHECKS"] = True
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # A pool per server process: granian runs many threads per worker, and a persistent
        # connection per thread exhausted PostgreSQL's connections under load (see bench/).
        config["CONN_MAX_AGE"] = 0
        # The database going away must give quick 503s, not hung requests, and the pool
        # must find it again by itself: a bounded connect, a bounded wait for a pooled
        # connection, a check of each connection handed out (a restart breaks them all),
        # and reconnect attempts given up after 10 s so the next request starts afresh
        # instead of waiting behind a backoff grown long during the outage.
        config["CONN_HEALTH_CHECKS"] = True
        options = config.setdefault("OPTIONS", {})
        options.setdefault("connect_timeout", int(env_str("ONEWINDOW_DB_CONNECT_TIMEOUT", "3")))
        # Parameters bound by the server, and a statement run 5 times on a connection prepared
        # there (psycopg's prepare_threshold): PostgreSQL parses it once per connection and,
        # once its generic plan proves as good, stops planning it on every run. Django leaves
        # both off for transaction-pooling proxies (PgBouncer), which we do not put in front:
        # each server process has its own pool, and psycopg forgets a connection's prepared
        # statements with the connection (a restarted database breaks and replaces them all).
        options["server_side_binding"] = True
        options["prepare_threshold"] = 5
        options["pool"] = {
            "min_size": 1,
            "max_size": int(env_str("ONEWINDOW_DB_POOL_SIZE", "8")),
            "timeout": float(env_str("ONEWINDOW_DB_POOL_TIMEOUT", "5")),
            "reconnect_timeout": 10,
        }
    return config


DATABASES = {
    "default": _database(env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'onewindow.sqlite3'}"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "onewindow.identity.backends.IdentifierBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "identity:sign-in"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour: a reset link is a key to the account

# django-axes: five failures for one username from one address lock it for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "onewindow.identity.views.locked_out"
AXES_VERBOSE = False

# Rate limits (onewindow.core.ratelimit; docs/adr/0009-rate-limits.md): "<count> per <n> <unit>",
# fixed windows from the first hit. Counted in Redis when ONEWINDOW_RATE_LIMIT_URL names one
# (redis://host:6379/2), else in the database: either way every server process shares them.
# Signed-in people are counted per account, others per network address; behind reverse proxies
# set ONEWINDOW_PROXY_COUNT so the address is the client's, not the proxy's.
ONEWINDOW_RATE_LIMIT_URL = env_str("ONEWINDOW_RATE_LIMIT_URL", "")
if ONEWINDOW_RATE_LIMIT_URL and not ONEWINDOW_RATE_LIMIT_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured("ONEWINDOW_RATE_LIMIT_URL must be a redis:// or rediss:// URL")
ONEWINDOW_PROXY_COUNT = int(env_str("ONEWINDOW_PROXY_COUNT", "0"))
ONEWINDOW_RATE_LIMITS: dict[str, str] = {
    # Opening accounts: tries per address; valid registrations per mobile number.
    "registration.address": "20 per hour",
    "registration.mobile": "5 per hour",
    # Password reset requests (each sends an email) per address and per email address.
    "password_reset.address": "10 per hour",
    "password_reset.email": "3 per hour",
    # Failed sign-ins across accounts from one address (password spraying), and against one
    # account from anywhere; django-axes also locks one account at one address after 5.
    "sign_in_failures.address": "30 per 15 minutes",
    "sign_in_failures.account": "20 per hour",
    # The public verifier (/verify/, POST /api/v1/verify).
    "verify.address": "100 per 10 minutes",
    "verify.account": "300 per 10 minutes",
    # Hotline reports on the web, the API and Open311 (per partner key); the limits per phone
    # number and per reported place are in ONEWINDOW_HOTLINE_RATE_LIMITS (grievances.intake).
    "hotline.address": "20 per hour",
    "hotline.account": "30 per hour",
    "hotline.partner": "600 per hour",
    # Questions to the service assistant (pages and POST /api/v1/assistant/answers).
    "assistant.address": "120 per 10 minutes",
    "assistant.account": "240 per 10 minutes",
    # Sensor readings posted over HTTP, per gateway key (each request up to 500 readings).
    "city_ingest.key": "600 per minute",
}

OTP_TOTP_ISSUER = "OneWindow"

LANGUAGE_CODE = "en"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "onewindow_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Email: printed to the console in the demo; SMTP in production
# (ONEWINDOW_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend).
EMAIL_BACKEND = env_str("ONEWINDOW_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("ONEWINDOW_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env_str("ONEWINDOW_EMAIL_PORT", "25"))
EMAIL_HOST_USER = env_str("ONEWINDOW_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("ONEWINDOW_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("ONEWINDOW_EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10  # seconds: a stuck mail server must not hold a worker forever
DEFAULT_FROM_EMAIL = env_str("ONEWINDOW_FROM_EMAIL", "noreply@onewindow.example")
# The SMS gateway: a send(mobile, text) function (see onewindow.identity.sms).
ONEWINDOW_SMS_BACKEND = env_str("ONEWINDOW_SMS_BACKEND", "onewindow.identity.sms.console_backend")
# The public address of this site: every absolute link the platform writes starts with it
# (credentials' issuers and status lists, the trust list, QR codes, Open311 discovery, links
# in e-mails and SMS; see core.site.public_url). One setting: ONEWINDOW_SITE_URL was a second
# name for the same address and is still read when ONEWINDOW_PUBLIC_URL is not set.
ONEWINDOW_PUBLIC_URL = (
    env_str("ONEWINDOW_PUBLIC_URL", "")
    or env_str("ONEWINDOW_SITE_URL", "")
    or "http://127.0.0.1:8000"
).rstrip("/")
ONEWINDOW_SITE_URL = ONEWINDOW_PUBLIC_URL

# Background tasks (django-tasks): in the database by default, run by `onewindow worker`;
# on Redis (django-tasks-rq) when ONEWINDOW_TASKS_URL=redis://host:6379/0, for many machines.
TASKS_URL = env_str("ONEWINDOW_TASKS_URL", "")
if TASKS_URL.startswith(("redis://", "rediss://")):
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": redis_url_with_timeouts(TASKS_URL)}}
    # Tasks that cannot reach Redis wait in the database until it returns (docs/adr/0010).
    TASKS: dict[str, dict[str, Any]] = {
        "default": {"BACKEND": "onewindow.core.task_queue.DurableRQBackend", "QUEUES": ["default"]}
    }
    # Jobs run in the worker process itself: its relay and tick threads share its database
    # pool, which a forked job process would inherit mid-use.
    RQ = {"WORKER_CLASS": "rq.worker.SimpleWorker"}
elif TASKS_URL:
    raise ImproperlyConfigured("ONEWINDOW_TASKS_URL must be a redis:// or rediss:// URL")
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# The worker's clock: every ONEWINDOW_TICK_SECONDS it enqueues each of these tasks (dotted
# paths of django-tasks Task objects that take no arguments).
ONEWINDOW_TICK_SECONDS = float(env_str("ONEWINDOW_TICK_SECONDS", "60"))
# Every worker says it is alive this often; a worker silent for three beats is taken for dead
# and its running task queued again (core/workers.py).
ONEWINDOW_WORKER_BEAT_SECONDS = float(env_str("ONEWINDOW_WORKER_BEAT_SECONDS", "10"))
# An alert's fan-out (alerts.delivery): residents per transaction, and a pause between
# transactions that leaves the database to other writers during a large fan-out.
ONEWINDOW_ALERT_BATCH_SIZE = int(env_str("ONEWINDOW_ALERT_BATCH_SIZE", "2000"))
ONEWINDOW_ALERT_BATCH_PAUSE = float(env_str("ONEWINDOW_ALERT_BATCH_PAUSE", "0"))
ONEWINDOW_PERIODIC_TASKS: list[str] = [
    # First, and on its own: the log's checkpoints never wait on another app's tick.
    "onewindow.ledger.tasks.tick",
    "onewindow.applications.tasks.tick",
    "onewindow.grievances.tasks.tick",
    "onewindow.payments.tasks.tick",
    "onewindow.appointments.tasks.tick",
    "onewindow.payments.tasks.reconcile",
    "onewindow.transparency.tasks.refresh",
    "onewindow.cityops.tasks.tick",
    "onewindow.supervision.tasks.tick",
    # The audits run when ONEWINDOW_AUDIT_SECONDS have passed since their last run.
    "onewindow.ledger.tasks.audit",
    "onewindow.applications.tasks.audit",
    "onewindow.core.tasks.purge_idempotent_requests",
    "onewindow.core.tasks.purge_rate_counters",
]
ONEWINDOW_AUDIT_SECONDS = float(env_str("ONEWINDOW_AUDIT_SECONDS", "3600"))
# The MQTT broker city sensors publish to (`onewindow cityops-consume` subscribes there).
MQTT_HOST = env_str("ONEWINDOW_MQTT_HOST", "127.0.0.1")
MQTT_PORT = int(env_str("ONEWINDOW_MQTT_PORT", "1883"))

# Security: cookies are Secure whenever the site is served over HTTPS (ONEWINDOW_HTTPS=1).
HTTPS = env_bool("ONEWINDOW_HTTPS", default=False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
# Django's database sessions, read with one statement written once (identity.session_store).
SESSION_ENGINE = "onewindow.identity.session_store"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ONEWINDOW_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The public ledger: the origin line of its checkpoints (also its key name), the witnesses it
# asks to cosign (JSON list of {"url", "key"}), and how many cosignatures a published
# checkpoint needs. The Ed25519 key comes from ONEWINDOW_LEDGER_KEY or var/ledger_key.
LEDGER_ORIGIN = env_str("ONEWINDOW_LEDGER_ORIGIN", "onewindow.example/ledger")
LEDGER_WITNESSES = json.loads(env_str("ONEWINDOW_LEDGER_WITNESSES", "[]"))
LEDGER_WITNESS_QUORUM = int(env_str("ONEWINDOW_LEDGER_WITNESS_QUORUM", "0"))

# Federation: the division this instance serves (its departments' codes start with its
# prefix; a peer region's never may), and how long a call to a peer region's provider may
# take, connecting and answering together, before the consumer is told it is unavailable.
ONEWINDOW_REGION_CODE = env_str("ONEWINDOW_REGION_CODE", "330000")
ONEWINDOW_EXCHANGE_TIMEOUT = float(env_str("ONEWINDOW_EXCHANGE_TIMEOUT", "5"))

# How long credentials' status lists are cached, here and by verifiers of other regions: a
# revocation reaches them within this many seconds (our own /verify sees it at once).
ONEWINDOW_STATUS_LIST_SECONDS = int(env_str("ONEWINDOW_STATUS_LIST_SECONDS", "60"))
# How many credentials one issuer's status list holds before its next list opens (at most
# half the list's 131,072 bits; tests set it small to issue past it).
ONEWINDOW_STATUS_LIST_CAPACITY = int(env_str("ONEWINDOW_STATUS_LIST_CAPACITY", "65536"))
# Hotline routing: where retrained router models are written and looked for first (the
# newest `router-<version>.npz` there wins; else the model shipped in the package).
ONEWINDOW_ROUTER_MODEL_DIR = env_str("ONEWINDOW_ROUTER_MODEL_DIR", str(VAR_DIR / "router"))

# Sign-on for other sites and apps: OpenID Connect provider at /o/ (django-oauth-toolkit; see
# docs/adr/0006-oidc-provider.md). ID tokens are signed RS256 with ONEWINDOW_OIDC_KEY or
# var/oidc_key.pem; `onewindow oidc-rotate-key` moves it to var/oidc_retired/, whose keys stay
# in the JWKS until the tokens they signed have expired. Pairwise subjects are an HMAC with
# ONEWINDOW_OIDC_SUBJECT_KEY (or var/oidc_subject_key): changing it changes every subject.
OAUTH2_PROVIDER_APPLICATION_MODEL = "identity.Client"
OIDC_KEY_FILE = VAR_DIR / "oidc_key.pem"
OIDC_RETIRED_DIR = VAR_DIR / "oidc_retired"
ONEWINDOW_OIDC_SUBJECT_KEY = secret_from_env_or_file(
    "ONEWINDOW_OIDC_SUBJECT_KEY", VAR_DIR / "oidc_subject_key", nbytes=32
)
# How clients authenticate at the token and revocation endpoints (public clients: "none", with
# PKCE); the OIDC and RFC 8414 documents both publish this one list.
TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
OAUTH2_PROVIDER: dict[str, Any] = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": rsa_key_from_env_or_file("ONEWINDOW_OIDC_KEY", OIDC_KEY_FILE),
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": retired_keys(OIDC_RETIRED_DIR),
    # The issuer never follows the Host header: a code got at one host name and redeemed at
    # another must carry the same `iss`. Blank: the configured public address + /o.
    "OIDC_ISS_ENDPOINT": (
        env_str("ONEWINDOW_OIDC_ISSUER", "") or f"{ONEWINDOW_SITE_URL.rstrip('/')}/o"
    ).rstrip("/"),
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_SUBJECT_TYPES_SUPPORTED": ["pairwise", "public"],
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": TOKEN_ENDPOINT_AUTH_METHODS,
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": TOKEN_ENDPOINT_AUTH_METHODS,
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    # With an ID token of the signed-in person the client proves whose session it ends.
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "OAUTH2_VALIDATOR_CLASS": "onewindow.identity.oidc.validator.OneWindowValidator",
    "SCOPES_BACKEND_CLASS": "onewindow.identity.oidc.scopes.ClientScopes",
    "DEFAULT_SCOPES": ["openid"],
    "PKCE_REQUIRED": True,
    "ROTATE_REFRESH_TOKEN": True,
    # A refresh token used twice revokes its whole family: a stolen copy stops working.
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ID_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    # We remember consent ourselves (identity.ClientConsent), per client and scopes.
    "REQUEST_APPROVAL_PROMPT": "force",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if HTTPS else ["https", "http"],
    # RFC 9700 (OAuth 2.0 Security BCP): S256 only, no implicit or password grant, no token
    # in a query string, `iss` in the authorisation response, tokens stored as digests.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}
