"""Operations: logs, metrics and probes (core/ops/, docs/operations.md).

Logs go to standard error, one JSON object per line unless LOG_FORMAT=text. /metrics answers a
bearer token (METRICS_TOKEN) or the networks in METRICS_ALLOWED_NETWORKS (loopback by default).
"""

import os
from ipaddress import ip_network

from django.core.exceptions import ImproperlyConfigured

from core.config.env import env_bool, env_int, env_list, env_str

LOG_LEVEL = env_str("LOG_LEVEL", "WARNING").upper()
LOG_FORMAT = env_str("LOG_FORMAT", "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}")
# One access line per request (logger credit.access, INFO), whatever LOG_LEVEL says.
LOG_REQUESTS = env_bool("LOG_REQUESTS", True)

LOGGING_CONFIG = "core.ops.logging.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.ops.logging.LogContextFilter"}},
    "formatters": {
        "json": {"()": "core.ops.logging.json_formatter"},
        "text": {"()": "core.ops.logging.text_formatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "pgserver": {"level": "WARNING"},
        "credit.access": {"level": "INFO" if LOG_REQUESTS else "WARNING"},
    },
}

METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", ["127.0.0.1/32", "::1/128"])
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ip_network(_network, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_NETWORKS: {_network!r} is not a network (e.g. 10.0.0.0/8)"
        ) from exc

# Seconds each readiness check (broker, storage) may take; the database check uses
# DATABASE_CONNECT_TIMEOUT.
READINESS_TIMEOUT = env_int("READINESS_TIMEOUT", 2)

# A Celery worker serves its metrics on this port (0: off). The pool's processes write their
# samples under PROMETHEUS_MULTIPROC_DIR, which the worker's exporter adds up.
WORKER_METRICS_PORT = env_int("WORKER_METRICS_PORT", 0)
if WORKER_METRICS_PORT and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    raise ImproperlyConfigured(
        "WORKER_METRICS_PORT needs PROMETHEUS_MULTIPROC_DIR (a folder the worker's processes share)"
    )
