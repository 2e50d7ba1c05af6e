"""Operations: request context, structured logs, Prometheus metrics, health and readiness probes.

Not a Django app (no models): settings wire its middleware and logging filter, the host router
sends the probe and metrics paths to `core.ops.urls`, and the Celery app connects its signals.
See docs/operations.md for the endpoints, the metrics and the log fields.
"""
