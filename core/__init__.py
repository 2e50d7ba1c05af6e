"""The platform's heart: configuration, the common kernel, storage and one app per credit domain."""

from core.config.celery_app import app as celery_app

__all__ = ["celery_app"]
