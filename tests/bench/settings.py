"""Settings for the API benchmark's gunicorn: the project's, plus the plain comparison view."""

from core.config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.urls"
