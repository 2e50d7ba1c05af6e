"""The platform's Prometheus metrics, and the small functions that record them.

Label values are bounded: `district` is a schema name, `route` the matched URL pattern (never the
raw path), `task` a Celery task name. Under gunicorn (several worker processes) and the Celery
prefork pool, set PROMETHEUS_MULTIPROC_DIR: every process then writes its samples to files there
and a scrape adds them up (`metrics_registry`). docs/operations.md lists every metric.
"""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess

NO_DISTRICT = "-"  # requests that reached no district (unknown host), tasks outside any schema
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter(
    "credit_http_requests",
    "HTTP requests answered, by district (schema), route (URL pattern), method and status.",
    ["district", "route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "credit_http_request_duration_seconds",
    "Time from the first middleware to the response, by route and method.",
    ["route", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
TASK_DURATION = Histogram(
    "credit_celery_task_duration_seconds",
    "Celery task run time, by task and final state (SUCCESS, FAILURE, RETRY …).",
    ["task", "state"],
    buckets=(0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0),
)
TASK_FAILURES = Counter(
    "credit_celery_task_failures",
    "Celery tasks that raised, by task and district (schema).",
    ["task", "district"],
)
INGEST_ROWS = Counter(
    "credit_ingest_rows",
    "Rows of department uploads, by district and outcome (stored, updated, duplicate, rejected).",
    ["district", "outcome"],
)
METERED_CALLS = Counter(
    "credit_metered_calls",
    "Paid calls charged (replays of an idempotency key are not), by district and product.",
    ["district", "product"],
)
METERED_UNITS = Counter(
    "credit_metered_units",
    "Units charged by paid calls, by district and product.",
    ["district", "product"],
)


def http_request_observe(
    *, district: str, route: str, method: str, status: int, seconds: float
) -> None:
    method = method if method in KNOWN_METHODS else "OTHER"
    HTTP_REQUESTS.labels(district=district, route=route, method=method, status=str(status)).inc()
    HTTP_DURATION.labels(route=route, method=method).observe(seconds)


def task_observe(*, task: str, state: str, seconds: float) -> None:
    TASK_DURATION.labels(task=task, state=state).observe(seconds)


def task_failure_count(*, task: str, district: str) -> None:
    TASK_FAILURES.labels(task=task, district=district).inc()


def ingest_rows_count(*, district: str, outcomes: dict[str, int]) -> None:
    """Count rows of an upload by outcome ("stored", "updated", "duplicate", "rejected")."""
    for outcome, rows in outcomes.items():
        if rows:
            INGEST_ROWS.labels(district=district, outcome=outcome).inc(rows)


def metered_call_count(*, district: str, product: str, units: int) -> None:
    """Count one charged paid call and its units. Call it once per charge, after the charge has
    committed (a rolled-back charge or a replayed answer is not a new call)."""
    METERED_CALLS.labels(district=district, product=product).inc()
    METERED_UNITS.labels(district=district, product=product).inc(units)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def metrics_registry() -> CollectorRegistry:
    """What a scrape reads: the samples of every process sharing PROMETHEUS_MULTIPROC_DIR when it
    is set, otherwise this process's own registry (with its process and platform collectors)."""
    if not multiprocess_dir():
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry
