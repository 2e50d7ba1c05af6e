"""Settings for every process (web, worker, commands, tests), read from the environment.

Integrations live in their own modules and are imported here (HackSoft's settings split).
No secret has a default outside DEBUG: production must set DJANGO_SECRET_KEY.
"""

import secrets
from pathlib import Path
from typing import Any

import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from core.config.env import env_bool, env_int, env_list, env_str
from core.config.settings.database import (  # noqa: F401
    BASE_DIR,
    DATA_DIR,
    DATABASE_ROUTERS,
    DATABASE_URL,
    DATABASES,
    DEFAULT_AUTO_FIELD,
    EMBEDDED_DATABASE,
)
from core.config.settings.exchange import (  # noqa: F401
    EXCHANGE_CONNECT_ADDRESS,
    EXCHANGE_KEY_GRACE_SECONDS,
    EXCHANGE_KEY_SECRETS,
    EXCHANGE_LOCAL_DOMAINS,
    EXCHANGE_LOCAL_PORT,
    EXCHANGE_PROVIDER_URL,
    EXCHANGE_TIMEOUT_SECONDS,
    EXCHANGE_TOKEN_SECONDS,
    EXCHANGE_UNVERIFIED_PER_MINUTE,
)
from core.config.settings.integrations import (  # noqa: F401
    BILLING_GRACE_DAYS,
    BILLING_WEBHOOK_CA_FILE,
    BILLING_WEBHOOK_TIMEOUT,
    CACHES,
    CELERY_ACCEPT_CONTENT,
    CELERY_BEAT_SCHEDULE,
    CELERY_BROKER_TRANSPORT_OPTIONS,
    CELERY_BROKER_URL,
    CELERY_RESULT_BACKEND,
    CELERY_TASK_ACKS_LATE,
    CELERY_TASK_ALWAYS_EAGER,
    CELERY_TASK_EAGER_PROPAGATES,
    CELERY_TASK_REJECT_ON_WORKER_LOST,
    CELERY_TASK_SERIALIZER,
    CELERY_TASK_TENANT_CACHE_SECONDS,
    CELERY_TIMEZONE,
    CELERY_WORKER_HIJACK_ROOT_LOGGER,
    CELERY_WORKER_PREFETCH_MULTIPLIER,
    DEFAULT_FROM_EMAIL,
    EMAIL_BACKEND,
    EMAIL_FILE_PATH,
    EMAIL_HOST,
    EMAIL_HOST_PASSWORD,
    EMAIL_HOST_USER,
    EMAIL_PORT,
    EMAIL_USE_TLS,
    MEDIA_ROOT,
    MEDIA_URL,
    OPERATOR_NAME,
    REDIS_URL,
    S3_ACCESS_KEY_ID,
    S3_BUCKET,
    S3_ENDPOINT_URL,
    S3_REGION,
    S3_SECRET_ACCESS_KEY,
    SIGNED_URL_MAX_AGE,
    STORAGES,
)
from core.config.settings.login_limits import (  # noqa: F401
    AUTHENTICATION_BACKENDS,
    AXES_CLIENT_IP_CALLABLE,
    AXES_COOLOFF_MESSAGE,
    AXES_ENABLE_ADMIN,
    AXES_ENABLED,
    AXES_FAILURE_LIMIT,
    AXES_HANDLER,
    AXES_LOCKOUT_CALLABLE,
    AXES_LOCKOUT_PARAMETERS,
    AXES_PERMALOCK_MESSAGE,
    AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT,
    AXES_USERNAME_CALLABLE,
    AXES_USERNAME_FORM_FIELD,
    AXES_VERBOSE,
    LOGIN_ACCOUNT_FAILURES,
    LOGIN_ADDRESS_FAILURES,
    LOGIN_FAILURE_WINDOW_MINUTES,
    LOGIN_LOCK_MAX_MINUTES,
    LOGIN_LOCK_MINUTES,
)
from core.config.settings.ops import (  # noqa: F401
    LOG_FORMAT,
    LOG_LEVEL,
    LOG_REQUESTS,
    LOGGING,
    LOGGING_CONFIG,
    METRICS_ALLOWED_NETWORKS,
    METRICS_TOKEN,
    READINESS_TIMEOUT,
    WORKER_METRICS_PORT,
)
from core.config.settings.tenants import (  # noqa: F401
    BOTH_APPS,
    CODE_ONLY_APPS,
    GET_EXECUTOR_FUNCTION,
    INSTALLED_APPS,
    PUBLIC_SCHEMA_NAME,
    PUBLIC_SCHEMA_URLCONF,
    ROOT_URLCONF,
    SHARED_APPS,
    TENANT_APPS,
    TENANT_BASE_SCHEMA,
    TENANT_CREATION_FAKES_MIGRATIONS,
    TENANT_DOMAIN_MODEL,
    TENANT_LIMIT_SET_CALLS,
    TENANT_MODEL,
)
from core.config.settings.upstream import (  # noqa: F401
    UPSTREAM_ALLOWED_HOSTS,
    UPSTREAM_CA_FILE,
    UPSTREAM_TEST_NETWORKS,
)

# Lets `admin.ModelAdmin[Model]` and other generic Django classes be subscripted at runtime.
django_stubs_ext.monkeypatch()

DEBUG = env_bool("DJANGO_DEBUG", False)


def _secret_key() -> str:
    key = env_str("DJANGO_SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    # Development: a random key kept under .data so sessions survive restarts.
    path = Path(DATA_DIR) / "dev-secret-key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Earlier keys, still accepted for sessions and signed links while a new key takes over
# (docs/operations.md, "Rotate keys").
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS", [])

# Host names are checked against the Domain table by the district router (an unknown host gets a
# 404 page before any view runs), so Django's own list defaults to everything.
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["*"])
# The operator's own domains; `python3 dev.py demo` uses localhost.
OPERATOR_DOMAINS = env_list("OPERATOR_DOMAINS", ["localhost", "127.0.0.1"])

MIDDLEWARE = [
    # Request id, access log and metrics (core/ops); static files on every host, before routing.
    "core.ops.middleware.RequestContextMiddleware",
    # Security headers on every answer, static files and the unknown-host page included.
    "core.common.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.middleware.DistrictRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A login refused by the login limits answers 429 (core/accounts/lockout.py).
    "axes.middleware.AxesMiddleware",
    "core.ops.middleware.DistrictUserContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tenants.middleware.DistrictStatusMiddleware",
]
# API calls without any cookie (core/config/wsgi.py): the same stack without what does nothing for
# them (static files, sessions, CSRF, authentication, login lockouts, messages).
API_MIDDLEWARE = [
    "core.ops.middleware.RequestContextMiddleware",
    "core.common.middleware.ContentSecurityPolicyMiddleware",
    "tenants.middleware.DistrictRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.common.middleware.CookielessVisitorMiddleware",  # where sessions are in MIDDLEWARE
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.ops.middleware.DistrictUserContextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tenants.middleware.DistrictStatusMiddleware",
]

# A district may override any template: put it under <DISTRICT_TEMPLATES_DIR>/<schema>/ with the
# same path as in portal_theme/templates/ (e.g. wanzhou/portal_theme/portal/home.html).
DISTRICT_TEMPLATES_DIR = env_str("DISTRICT_TEMPLATES_DIR", str(BASE_DIR / "district_templates"))
MULTITENANT_TEMPLATE_DIRS = [f"{DISTRICT_TEMPLATES_DIR}/%s"]
_TEMPLATE_LOADERS: list[Any] = [
    "django_tenants.template.loaders.filesystem.Loader",
    "django.template.loaders.filesystem.Loader",
    "django.template.loaders.app_directories.Loader",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project-wide overrides of third-party templates (Django admin's), before the apps' own.
        "DIRS": [BASE_DIR / "core" / "config" / "templates"],
        "OPTIONS": {
            # Cached per district in production; read from disk on every request while developing.
            "loaders": _TEMPLATE_LOADERS
            if DEBUG
            else [("django_tenants.template.loaders.cached.Loader", _TEMPLATE_LOADERS)],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal_theme.context_processors.district",
            ],
        },
    },
]

WSGI_APPLICATION = "core.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/console/login/"
LOGIN_REDIRECT_URL = "/console/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = str(BASE_DIR / "static_collected")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# HSTS-ready: set DJANGO_HSTS_SECONDS (e.g. 31536000) once every district domain is served over TLS.
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies in front of the web processes append to X-Forwarded-For (rate limits
# read the visitor's address from there); 0 when the web server faces visitors directly.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
SECURE_REFERRER_POLICY = "same-origin"

# Onboarding and lifecycle.
DISTRICT_DELETION_GRACE_DAYS = env_int("DISTRICT_DELETION_GRACE_DAYS", 30)
ONE_TIME_LOGIN_TTL_HOURS = env_int("ONE_TIME_LOGIN_TTL_HOURS", 72)
# Keys protecting personal ID numbers (core/subjects/protection.py); required outside DEBUG.
SUBJECT_LOOKUP_KEY = env_str("SUBJECT_LOOKUP_KEY")
SUBJECT_DATA_KEY = env_str("SUBJECT_DATA_KEY")
# Earlier keys during a rotation, until `manage.py subjects_rekey` has re-hashed and re-encrypted
# every district's subjects (docs/operations.md, "Rotate keys").
SUBJECT_LOOKUP_KEY_FALLBACKS = env_list("SUBJECT_LOOKUP_KEY_FALLBACKS", [])
SUBJECT_DATA_KEY_FALLBACKS = env_list("SUBJECT_DATA_KEY_FALLBACKS", [])
if not DEBUG and not (SUBJECT_LOOKUP_KEY and SUBJECT_DATA_KEY):
    raise ImproperlyConfigured(
        "SUBJECT_LOOKUP_KEY and SUBJECT_DATA_KEY must be set when DJANGO_DEBUG is off"
    )
# Department uploads (core/collection).
COLLECTION_MAX_UPLOAD_BYTES = env_int("COLLECTION_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
COLLECTION_MAX_XLSX_EXPANDED_BYTES = env_int("COLLECTION_MAX_XLSX_EXPANDED_BYTES", 2 * 1024**3)
# Spare schemas cloned ahead of time so onboarding only renames one (provisioning/services/spares.py).
DISTRICT_SPARE_SCHEMAS = env_int("DISTRICT_SPARE_SCHEMAS", 2)

# GraphQL limits (graphql_api/schema_base.py).
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 10)
GRAPHQL_MAX_TOKENS = env_int("GRAPHQL_MAX_TOKENS", 2000)
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 15)
GRAPHQL_MAX_PAGE_SIZE = 100
# A document longer than this is refused before it is parsed (graphql_api/documents.py); tokens
# are counted with comments.
GRAPHQL_MAX_DOCUMENT_CHARS = env_int("GRAPHQL_MAX_DOCUMENT_CHARS", 20_000)
# New persisted queries a credential may register a day (anonymous callers register none outside
# DEBUG; graphql_api/persisted.py).
GRAPHQL_APQ_REGISTRATIONS_PER_DAY = env_int("GRAPHQL_APQ_REGISTRATIONS_PER_DAY", 200)
GRAPHQL_GET_MAX_AGE = env_int("GRAPHQL_GET_MAX_AGE", 30)
# Anonymous district queries answered from the cache, keyed by the data version (0 turns it off).
GRAPHQL_RESPONSE_CACHE_SECONDS = env_int("GRAPHQL_RESPONSE_CACHE_SECONDS", 300)
