from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

LogLines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def json_log() -> Iterator[LogLines]:
    """What the configured console handler (settings.LOGGING: JSON formatter, context filter)
    writes during the test, one parsed object per line."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        handler.setStream(previous)


def scrape() -> str:
    """/metrics as Prometheus reads it (from loopback, which the default allow-list admits)."""
    response = Client(HTTP_HOST="10.0.0.7:8000").get("/metrics")
    assert response.status_code == 200
    return response.content.decode()


def sample(exposition: str, name: str, **labels: str) -> float:
    """The value of one sample (0 when the series does not exist yet)."""
    for family in text_string_to_metric_families(exposition):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return 0.0
