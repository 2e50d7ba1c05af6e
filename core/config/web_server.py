"""The production web server: granian serving `core.config.wsgi:application` (ADR 0021).

    python -m core.config.web_server

Tunable from the environment (docs/operations.md):
- WEB_BIND (0.0.0.0:8000);
- WEB_WORKERS, processes (default: the number of cores; in a container that is the node's, not
  the pod's limit, so the Kubernetes manifests set it);
- WEB_THREADS, requests each process runs at once (2: while one waits on PostgreSQL or Redis,
  the other uses the core);
- WEB_TIMEOUT, seconds a request may run before its process is ended and started again (120; a
  department upload is stored in one request, nginx and the Ingress wait 130 s): the request
  deadline in core/config/wsgi.py;
- WEB_WORKER_LIFETIME (seconds) and WEB_WORKER_MAX_RSS (MiB): replace a process after that time
  or above that memory, 0 for never (the default; see docs/operations.md on tcp_migrate_req).
With several processes, Prometheus metrics need PROMETHEUS_MULTIPROC_DIR, emptied here at start.
Every line the server writes is JSON with the same fields as the application's
(core/ops/logging.py); granian's own access log stays off: the application writes one line per
request with its district, user and request id.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from core.config.env import env_int, env_str

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
            "json_ensure_ascii": False,
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": "WARNING", "handlers": ["console"]},
    "loggers": {
        "_granian": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "granian.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
}


def server_options() -> dict[str, Any]:
    """granian's options from the environment."""
    host, _, port = env_str("WEB_BIND", "0.0.0.0:8000").rpartition(":")
    return {
        "target": "core.config.wsgi:application",
        "address": host.strip("[]") or "0.0.0.0",
        "port": int(port),
        "interface": "wsgi",
        "workers": max(1, env_int("WEB_WORKERS", os.cpu_count() or 1)),
        "blocking_threads": max(1, env_int("WEB_THREADS", 2)),
        # A process that dies (the request deadline ends it) is started again.
        "respawn_failed_workers": True,
        "workers_lifetime": env_int("WEB_WORKER_LIFETIME", 0) or None,
        "workers_max_rss": env_int("WEB_WORKER_MAX_RSS", 0) or None,
        "workers_kill_timeout": 30,
        "log_dictconfig": LOGGING,
        "log_access": False,
    }


def _empty_metrics_folder() -> None:
    """Start from an empty metrics folder: files of a previous run would add stale samples."""
    folder = env_str("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for entry in path.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def main() -> None:
    from granian import Granian
    from granian.constants import Interfaces

    options = server_options()
    _empty_metrics_folder()
    options["interface"] = Interfaces.WSGI
    Granian(**options).serve()


if __name__ == "__main__":
    main()
