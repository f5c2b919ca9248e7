"""Settings, read from the environment.

With no service configured you get the embedded default: SQLite, Celery eager, the
in-process event bus and media on local disk, so the whole app runs with nothing else
installed. The defaults are safe for production: DEBUG is off unless ``DJANGO_DEBUG`` asks
for it, and without DEBUG the app refuses to start unless ``DJANGO_SECRET_KEY`` is set
(``make run`` sets ``DJANGO_DEBUG=true`` for development).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE

from project.log_config import configure_structlog, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --- Core ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        # A message, not a traceback: this is the operator's to fix.
        raise SystemExit(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value, e.g. the output of\n"
            "  python -c 'import secrets; print(secrets.token_urlsafe(50))'\n"
            "(or set DJANGO_DEBUG=true for local development only: `make run` does)."
        )
    SECRET_KEY = "django-insecure-development-only"  # noqa: S105 (DEBUG only, throwaway)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# HTTPS: on in production (secure cookies, HSTS, redirect to https). Behind a proxy that
# ends TLS, set DJANGO_PROXY_SSL_HEADER to the header it sets (e.g. X-Forwarded-Proto) so
# that Django knows a request came in over https; only when that proxy strips the header
# from what clients send. DJANGO_HTTPS=false serves plain HTTP (a local trial only).
HTTPS = env.bool("DJANGO_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # health checks from inside the container
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
if proxy_header := env("DJANGO_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + proxy_header.upper().replace("-", "_"), "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Everything the pages and the admin load comes from this site; no inline script or style,
# except the admin date-range filter's, which carries the response's nonce (a browser test
# checks that no page breaks the policy; the API's docs page relaxes it for styles only).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Features no page uses, switched off for any content the site might ever show.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_structlog",
    "rangefilter",
    "axes",
    "csp",
    "eventstore",
    "messaging",
    "accounts",
    "documents",
    "translations",
    "notifications",
    "api",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body: an oversize upload is refused from its length.
    "project.middleware.UploadSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.ClientMiddleware",
    "eventstore.middleware.OperationContextMiddleware",
    # After the operation is open, so that request_started already has its correlation id.
    "django_structlog.middlewares.RequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "project.middleware.TimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "project.middleware.PermissionsPolicyMiddleware",
    # Last: it answers a locked-out sign-in (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes SQLite's write lock at BEGIN, so concurrent appends queue up
    # instead of failing half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Sign-ins (the site's and the admin's) are throttled by django-axes: after
# AXES_FAILURE_LIMIT failures for a user name, or from an IP address, that one is locked out
# for AXES_COOLOFF_MINUTES, with a page (429, Retry-After) that says when to try again.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# Behind a proxy the client's address is in X-Forwarded-For (set the proxy count there).
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- I18n, static and media ------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]  # the project's own, e.g. the admin's stylesheet
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous call gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "api.errors.handle_exception",
    # Throttled API calls get 429 with Retry-After (counted in the shared cache).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/min"),
        "user": env("API_THROTTLE_USER", default="1200/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Translation service API",
    "DESCRIPTION": "Documents, translation requests and their audit trail.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Inputs and outputs as components of their own: an upload's file is binary, not a URI.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"LanguageCodeEnum": "api.serializers.LANGUAGE_CODES"},
    # The docs page's assets are served from here, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# --- Logging ---------------------------------------------------------------------------
# JSON lines in production, readable lines in development; every line carries the bound
# context of its operation (correlation_id, actor, request_id, causation_id).
LOG_FORMAT = env("LOG_FORMAT", default="console" if DEBUG else "json")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)
configure_structlog()
DJANGO_STRUCTLOG_CELERY_ENABLED = True

# --- Celery: eager (in-process) unless a broker is configured ----------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://"
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# --- Cache: shared by the app's processes where there is a Redis broker -------------------
# (it keeps the relay's "a run is queued" mark; a process-local cache in the embedded mode).
CACHES = {
    "default": env.cache(
        "CACHE_URL",
        default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "locmemcache://",
    )
}

# --- Event bus and Kafka ---------------------------------------------------------------
# "inprocess" delivers events to this process's handlers after commit; "kafka" relays
# them from the event log to Kafka.
EVENT_BUS = env("EVENT_BUS", default="inprocess")
KAFKA_BOOTSTRAP_SERVERS = env("KAFKA_BOOTSTRAP_SERVERS", default="")
KAFKA_TOPIC_PREFIX = env("KAFKA_TOPIC_PREFIX", default="")
# Created by the project (messaging.topics): the most consumer processes a group can spread over.
KAFKA_TOPIC_PARTITIONS = env.int("KAFKA_TOPIC_PARTITIONS", default=6)
# A Confluent-compatible Schema Registry (e.g. Apicurio's .../apis/ccompat/v7): with one, the
# topics' schemas are registered there and messages are written in its wire format (schema
# id + JSON); empty: plain JSON, no registry.
SCHEMA_REGISTRY_URL = env("SCHEMA_REGISTRY_URL", default="")

# --- Event store -----------------------------------------------------------------------
# A stream's state is snapshotted every this many events, so loading stays O(tail).
EVENTSTORE_SNAPSHOT_EVERY = env.int("EVENTSTORE_SNAPSHOT_EVERY", default=100)

# --- Audit: a Merkle tree over the log, sealed by signed checkpoints ---------------------
# The log's name in its checkpoints, which is also its signing key's name.
EVENTSTORE_LOG_ORIGIN = env("EVENTSTORE_LOG_ORIGIN", default="translation-service.local/audit")
# The Ed25519 signing key ("PRIVATE+KEY+<origin>+<id>+<key>", made by `manage.py
# signing_key --generate`), or a file that holds it; kept out of the database, so that
# nobody who can only write the database can sign. Without either, a key is made in the
# file on first use (mode 0600).
EVENTSTORE_SIGNING_KEY = env("EVENTSTORE_SIGNING_KEY", default="")
EVENTSTORE_SIGNING_KEY_FILE = env.path(
    "EVENTSTORE_SIGNING_KEY_FILE", default=BASE_DIR / "var" / "audit-signing.key"
)
# Public (verifier) keys of earlier signing keys, kept after a rotation: comma-separated.
EVENTSTORE_TRUSTED_KEYS = env.list("EVENTSTORE_TRUSTED_KEYS", default=[])
# A witness outside the database: every checkpoint is appended to this file too.
EVENTSTORE_WITNESS_FILE = env.path(
    "EVENTSTORE_WITNESS_FILE", default=BASE_DIR / "var" / "checkpoints.jsonl"
)
# Seconds between seals of newly committed events: beat's schedule, or in the embedded mode
# (no beat) a thread of the app's process that seals while events commit.
EVENTSTORE_SEAL_INTERVAL = env.float("EVENTSTORE_SEAL_INTERVAL", default=2.0)
EVENTSTORE_SEAL_IN_PROCESS = env.bool("EVENTSTORE_SEAL_IN_PROCESS", default=True)
# /healthz fails when the oldest event not yet sealed is older than this (seconds).
EVENTSTORE_SEAL_MAX_AGE = env.float("EVENTSTORE_SEAL_MAX_AGE", default=300)

# --- Messaging: relay and consumers ------------------------------------------------------
# A consumer retries a failing handler this many times (backoff doubling from BACKOFF
# seconds) before it dead-letters the message and goes on.
MESSAGING_CONSUMER_MAX_ATTEMPTS = env.int("MESSAGING_CONSUMER_MAX_ATTEMPTS", default=5)
MESSAGING_CONSUMER_BACKOFF = env.float("MESSAGING_CONSUMER_BACKOFF", default=0.5)
# Events a relay reads and hands to the producer at a time.
MESSAGING_RELAY_BATCH = env.int("MESSAGING_RELAY_BATCH", default=1000)
# How long (seconds) the relay waits for the broker's delivery reports of one batch; past
# it the batch's undelivered events are published again by the next run.
MESSAGING_RELAY_DELIVERY_TIMEOUT = env.float("MESSAGING_RELAY_DELIVERY_TIMEOUT", default=15)
MESSAGING_RELAY_ON_COMMIT = env.bool("MESSAGING_RELAY_ON_COMMIT", default=True)
# /healthz fails when the oldest unpublished event is older than this (seconds).
MESSAGING_RELAY_MAX_AGE = env.float("MESSAGING_RELAY_MAX_AGE", default=300)
# The relay runs after commits that appended events (at most one run queued); beat sweeps
# as a safety net.
CELERY_BEAT_SCHEDULE = {
    "relay-sweep": {"task": "messaging.relay_sweep", "schedule": 5.0},
    "seal-events": {"task": "messaging.seal_events", "schedule": EVENTSTORE_SEAL_INTERVAL},
    "expire-overdue-requests": {"task": "translations.expire_overdue", "schedule": 60.0},
    "send-notification-emails": {"task": "notifications.send_emails", "schedule": 60.0},
    "approve-unanswered-deliveries": {
        "task": "translations.approve_unanswered",
        "schedule": 3600.0,
    },
}

# --- Documents and translations ----------------------------------------------------------
DOCUMENTS_MAX_UPLOAD_BYTES = env.int("DOCUMENTS_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
# Accepted files, by the file name's extension (the client's Content-Type is not trusted),
# with the content type recorded for them. Env format: ".txt=text/plain,.pdf=application/pdf".
DOCUMENTS_ALLOWED_TYPES = env.dict(
    "DOCUMENTS_ALLOWED_TYPES",
    default={
        ".txt": "text/plain",
        ".md": "text/markdown",
        ".html": "text/html",
        ".pdf": "application/pdf",
        ".rtf": "application/rtf",
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".odt": "application/vnd.oasis.opendocument.text",
        ".xlf": "application/xliff+xml",
        ".xliff": "application/xliff+xml",
    },
)
# --- Notifications ------------------------------------------------------------------------
# Emails go through Django's backend: printed to the console unless EMAIL_URL names an SMTP
# server (e.g. smtp://user:password@mail.example.com:587, or smtp+tls://...).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Translation service <noreply@localhost>")
# The site's address, for the links in emails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# A delivery the customer neither approves nor sends back for changes within this many days
# is approved automatically (hourly sweep).
TRANSLATIONS_AUTO_APPROVE_DAYS = env.float("TRANSLATIONS_AUTO_APPROVE_DAYS", default=7)
