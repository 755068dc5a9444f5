"""Recourse settings. Every value that differs between machines comes from the environment (see README)."""

import re
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from portal.environment import database_from_url, env_bool, env_int, env_list, env_redis_url, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("RECOURSE_DATA_DIR", str(BASE_DIR / "data")))

DEBUG = env_bool("DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-never-use-in-production")
else:
    try:
        SECRET_KEY = env_str("SECRET_KEY")
    except ImproperlyConfigured:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.") from None
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "portal.admin_site.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "portal.apps.PortalConfig",
    "portal.audit",
    "portal.notifications",
    "portal.integrations",
    "accounts",
    "appeals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database error in any view becomes a clean 503 with Retry-After, not a 500 (portal/unavailable.py).
    "portal.unavailable.DatabaseUnavailableMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {"default": database_from_url("DATABASE_URL", f"sqlite:///{DATA_DIR / 'recourse.sqlite3'}")}
if DATABASES["default"]["NAME"] == str(DATA_DIR / "recourse.sqlite3"):
    DATA_DIR.mkdir(parents=True, exist_ok=True)  # a fresh clone has no data folder yet
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction begins, so concurrent writers queue up instead of
    # failing half-way; this is also what serialises appends to the audit chain on SQLite.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "staff:login"
# Staff sign in with a password and a TOTP code (django-otp); repeated failures lock the account from that
# address (django-axes), whichever door they use.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("STAFF_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("STAFF_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "portal.audit.actors.request_ip"  # the client's address behind a proxy too
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form's field (Django's AuthenticationForm), not USERNAME_FIELD
AXES_LOCKOUT_TEMPLATE = "review/locked_out.html"
AXES_LOCKOUT_CALLABLE = "accounts.staff_views.locked_out"  # the same page, and a line in the audit trail
OTP_TOTP_ISSUER = "Recourse"
# A reviewer's claim returns to the queue after this long without any change to the appeal.
CLAIM_IDLE_HOURS = env_int("CLAIM_IDLE_HOURS", 48, minimum=1)
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Static files are served by WhiteNoise. With STATIC_MANIFEST on (production, after `collectstatic`), it serves
# STATIC_ROOT: names carry a hash of the content, files are kept compressed, and browsers may cache them for a year.
# Off (the default, so tests and development need no collectstatic), it finds each file in the apps when asked.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = not STATIC_MANIFEST
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "media/"

# Mail (Django 6.1 MAILERS). Development writes each message to a file so `make run` needs no mail server.
EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
}
_email_backend = env_str("EMAIL_BACKEND", "file" if DEBUG else "smtp")
if _email_backend not in EMAIL_BACKENDS:
    raise ImproperlyConfigured(f"EMAIL_BACKEND must be one of {', '.join(EMAIL_BACKENDS)}; got {_email_backend!r}.")
_email_options: dict[str, object] = {}
if _email_backend == "smtp":
    _email_options = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25, minimum=1),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", default=False),
        "use_ssl": env_bool("EMAIL_USE_SSL", default=False),
        "timeout": env_int("EMAIL_TIMEOUT", 20, minimum=1),
    }
elif _email_backend == "file":
    _email_options = {"file_path": env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))}
MAILERS = {"default": {"BACKEND": EMAIL_BACKENDS[_email_backend], "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Recourse <appeals@recourse.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The cache holds the rate-limit counters (appellant links, API throttle). Only Redis shares them between gunicorn's
# worker processes; the local-memory default counts in each process on its own. Short socket timeouts, because a
# rate limit that cannot reach Redis lets the request through (portal/ratelimit.py) rather than hold it.
# Sessions stay in the database either way: they survive a Redis restart, a session read is one indexed query, and
# Django's cached_db sessions fail every request while Redis is down (only some of their cache calls are guarded).
REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "recourse",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

# Outbox delivery. A failed send waits NOTIFICATION_RETRY_BASE_SECONDS, then twice that, and so on (capped), and is
# given up as failed after NOTIFICATION_MAX_ATTEMPTS tries.
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 6, minimum=1)
NOTIFICATION_RETRY_BASE_SECONDS = env_int("NOTIFICATION_RETRY_BASE_SECONDS", 60, minimum=1)
# A message or webhook delivery still `sending` this long (a webhook: this long after its request timed out) lost its
# worker, killed mid-send; the sweep queues it again. Far past any mail server's timeout, so a slow send is not sent
# twice; the load and fault tests shorten it.
OUTBOX_STUCK_AFTER_SECONDS = env_int("OUTBOX_STUCK_AFTER_SECONDS", 300, minimum=1)
# A queued message or delivery whose worker task has not run this long after it was due lost its task (a worker
# died holding it); the sweep hands it to the worker again.
OUTBOX_OVERDUE_AFTER_SECONDS = env_int("OUTBOX_OVERDUE_AFTER_SECONDS", 120, minimum=1)
# What else must follow a message's delivery status, by template: the dotted path of a function that takes the
# Notification, called in the same transaction as each change of its status.
NOTIFICATION_STATUS_HOOKS = {"suspension_notice": "appeals.notices.notice_follow_notification"}
# Delivery and bounce reports from the mail provider, posted to /notifications/events/<provider>/ and checked by
# django-anymail. Every provider must send NOTIFICATION_EVENTS_SECRET as basic auth ("user:password", written into
# the webhook URL given to the provider); Mailgun also signs its reports with MAILGUN_WEBHOOK_SIGNING_KEY. With no
# secret set, reports are refused. Unset keys are left out, not set empty, so nothing can be signed with an empty key.
ANYMAIL = {
    name: value
    for name, value in {
        "WEBHOOK_SECRET": env_str("NOTIFICATION_EVENTS_SECRET", ""),
        "MAILGUN_WEBHOOK_SIGNING_KEY": env_str("MAILGUN_WEBHOOK_SIGNING_KEY", ""),
    }.items()
    if value
}

# Content Security Policy: no inline script or style anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# No script of ours reads the CSRF cookie (forms carry the token), so scripts may not read it at all.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=SITE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SITE_URL.startswith("https://")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SITE_URL.startswith("https://") else 0, minimum=0)
# Both bind more than this site (every subdomain; browsers' built-in lists, hard to leave): the operator's call.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a proxy, the client's scheme and address come from its X-Forwarded-Proto and X-Forwarded-For.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None

# Appeals policy. DSA Art. 20 asks for at least six months; 184 days is never shorter than six calendar months.
APPEAL_WINDOW_DAYS = env_int("APPEAL_WINDOW_DAYS", 184, minimum=184)
APPEAL_SERVICE_LEVEL_DAYS = env_int("APPEAL_SERVICE_LEVEL_DAYS", 14, minimum=1)
APPEAL_STATEMENT_MAX_LENGTH = 5000
# Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file cut off just past the evidence limit (10 MB).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "appeals.evidence.EvidenceUploadHandler",
]
# Retention (manage.py retention_purge): the personal data of an appeal decided or withdrawn this many days ago is
# deleted. Two years by default leaves time for out-of-court dispute settlement (DSA Art. 21) and court; never less
# than the appeal window, so the suspension can no longer be appealed when its holder's data goes.
RETENTION_DAYS = env_int("RETENTION_DAYS", 730, minimum=APPEAL_WINDOW_DAYS)
# Overturning a suspension in these categories waits for a second senior reviewer.
SENSITIVE_CATEGORIES = env_list(
    "SENSITIVE_CATEGORIES", ["STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"]
)

# The public transparency page (/transparency/): counts below TRANSPARENCY_MIN_COUNT read "fewer than N" (and what
# could be worked out from them is withheld too); its figures are cached for TRANSPARENCY_CACHE_SECONDS.
TRANSPARENCY_MIN_COUNT = env_int("TRANSPARENCY_MIN_COUNT", 10, minimum=2)
TRANSPARENCY_CACHE_SECONDS = env_int("TRANSPARENCY_CACHE_SECONDS", 3600, minimum=0)

# Misuse (DSA Art. 23(2)): an account holder with MISUSE_WARNING_AFTER manifestly unfounded appeals within
# MISUSE_PERIOD_DAYS is proposed to the senior reviewers for a warning; MISUSE_BLOCK_AFTER more after a warning (which
# stands for the same period), for a block on new appeals of MISUSE_BLOCK_MIN_DAYS to MISUSE_BLOCK_MAX_DAYS days.
MISUSE_PERIOD_DAYS = env_int("MISUSE_PERIOD_DAYS", 365, minimum=1)
MISUSE_WARNING_AFTER = env_int("MISUSE_WARNING_AFTER", 3, minimum=1)
MISUSE_BLOCK_AFTER = env_int("MISUSE_BLOCK_AFTER", 1, minimum=1)
MISUSE_BLOCK_MIN_DAYS = env_int("MISUSE_BLOCK_MIN_DAYS", 30, minimum=1)
MISUSE_BLOCK_MAX_DAYS = env_int("MISUSE_BLOCK_MAX_DAYS", 180, minimum=MISUSE_BLOCK_MIN_DAYS)
MISUSE_BLOCK_DEFAULT_DAYS = env_int("MISUSE_BLOCK_DEFAULT_DAYS", MISUSE_BLOCK_MIN_DAYS, minimum=MISUSE_BLOCK_MIN_DAYS)
if MISUSE_BLOCK_DEFAULT_DAYS > MISUSE_BLOCK_MAX_DAYS:
    raise ImproperlyConfigured(f"MISUSE_BLOCK_DEFAULT_DAYS must be at most {MISUSE_BLOCK_MAX_DAYS}.")

# Sign-in and verification links, per client address and per handle, per hour.
APPELLANT_LINK_RATE_LIMITS = {
    "ip": env_int("APPELLANT_LINKS_PER_IP_PER_HOUR", 20, minimum=1),
    "handle": env_int("APPELLANT_LINKS_PER_HANDLE_PER_HOUR", 5, minimum=1),
}
# Where appellants who disagree with a decision can turn (DSA Art. 21, certified out-of-court dispute settlement).
OUT_OF_COURT_DISPUTE_URL = env_url(
    "OUT_OF_COURT_DISPUTE_URL", "https://digital-strategy.ec.europa.eu/en/policies/dsa-out-court-dispute-settlement"
)

# Decision webhooks: each event is POSTed to every active endpoint, signed (see README), by the worker after commit.
# A failed attempt (no 2xx answer within WEBHOOK_TIMEOUT_SECONDS) waits WEBHOOK_RETRY_BASE_SECONDS, then twice that,
# and so on (capped at an hour); after WEBHOOK_MAX_ATTEMPTS the delivery is failed and staff may replay it in admin.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30, minimum=1)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 12, minimum=1)
# Endpoints must be https:// unless this is on (only for development and tests: events carry account data).
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", default=DEBUG)
# Endpoints must resolve to public internet addresses (not loopback, private networks or cloud metadata) unless this
# is on: a receiver on this machine or the local network is for development and tests.
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", default=WEBHOOK_ALLOW_HTTP)

# The platform's REST API (/api/v1/): API keys with scopes, or a staff session for reading. Every error is JSON.
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "600/min")
if not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", API_RATE_LIMIT):
    raise ImproperlyConfigured(f"API_RATE_LIMIT must look like 600/min or 20/s; got {API_RATE_LIMIT!r}.")
API_BATCH_MAX = 1000
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 32 * 1024 * 1024, minimum=1024)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.integrations.api_access.ApiKeyAuthentication",
        "portal.integrations.api_access.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["portal.integrations.api_access.ScopedAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["portal.integrations.api_access.PerCallerThrottle"],
    "DEFAULT_PARSER_CLASSES": ["portal.integrations.api_errors.SizeLimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.integrations.api_errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Recourse API",
    "DESCRIPTION": "The platform sends suspensions and notices, reads appeals and decisions, and registers webhooks.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for a choice set that several fields share (a decision's new restriction, the SoR's Yes/No).
    "ENUM_NAME_OVERRIDES": {
        "AppealStatusEnum": "appeals.models.AppealStatus",
        "NoticeStatusEnum": "appeals.models.NoticeStatus",
        "IngestOutcomeEnum": "appeals.suspensions.IngestOutcome",
        "OutcomeEnum": "appeals.models.Outcome",
        "DecisionAccountEnum": "appeals.choices.DecisionAccount",
        "YesNoEnum": "appeals.sor.YesNo",
    },
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.integrations.schema.add_error_responses",
    ],
}

# Every line goes through the redaction (portal/log_redaction.py): no sign-in token, API key, webhook secret or whole
# email address reaches a log. Django's own "django" and "django.server" loggers are given no handlers of their own,
# which would write past it (runserver's request lines carry sign-in links); their records go to the root's.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "portal.log_redaction.RedactingFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django": {"handlers": []}, "django.server": {"handlers": [], "propagate": True}},
}
