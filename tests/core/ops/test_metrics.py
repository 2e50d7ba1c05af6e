"""/metrics: what it counts, how labels stay bounded, and who may read it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from core.catalog.models import Department
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from core.ops.metrics import metered_call_count
from tests.conftest import client_for
from tests.core.collection.conftest import district  # noqa: F401  (fixture)
from tests.core.collection.files import as_csv, penalty, uscc
from tests.core.ops.conftest import sample, scrape

REQUESTS = "credit_http_requests_total"


@pytest.mark.django_db
def test_a_district_page_is_counted_under_its_district_route_and_status() -> None:
    home = {"district": "wanzhou", "route": "/", "method": "GET", "status": "200"}
    before = scrape()

    response = client_for("wanzhou.localhost").get("/")

    after = scrape()
    assert response.status_code == 200
    assert sample(after, REQUESTS, **home) == sample(before, REQUESTS, **home) + 1
    duration = "credit_http_request_duration_seconds_count"
    assert sample(after, duration, route="/", method="GET") == (
        sample(before, duration, route="/", method="GET") + 1
    )


@pytest.mark.django_db
def test_the_route_label_is_the_url_pattern_not_the_path() -> None:
    missing = {
        "district": "kaizhou",
        "route": "/subjects/<int:subject_id>/",
        "method": "GET",
        "status": "404",
    }
    before = scrape()

    client_for("kaizhou.localhost").get("/subjects/987654321/")
    client_for("kaizhou.localhost").get("/subjects/987654322/")
    client_for("kaizhou.localhost").get("/no/such/page/")

    after = scrape()
    assert sample(after, REQUESTS, **missing) == sample(before, REQUESTS, **missing) + 2
    unmatched = {"district": "kaizhou", "route": "unmatched", "method": "GET", "status": "404"}
    assert sample(after, REQUESTS, **unmatched) == sample(before, REQUESTS, **unmatched) + 1
    assert "987654321" not in after
    assert "/no/such/page/" not in after


@pytest.mark.django_db
def test_unknown_hosts_and_odd_methods_are_counted_with_bounded_labels() -> None:
    labels = {"district": "-", "route": "unmatched", "method": "OTHER", "status": "404"}
    before = scrape()

    Client(HTTP_HOST="nobody.example").generic("PROPFIND", "/")

    assert sample(scrape(), REQUESTS, **labels) == sample(before, REQUESTS, **labels) + 1


@pytest.mark.django_db
def test_probes_and_scrapes_are_not_counted() -> None:
    before = scrape()

    Client(HTTP_HOST="10.0.0.7").get("/healthz")
    after = scrape()

    assert '/healthz"' not in after
    assert '/metrics"' not in after
    assert sample(after, REQUESTS, district="-", route="unmatched", method="GET", status="200") == (
        sample(before, REQUESTS, district="-", route="unmatched", method="GET", status="200")
    )


@pytest.mark.django_db
def test_upload_rows_are_counted_by_district_and_outcome(district: Department) -> None:  # noqa: F811
    rows = [penalty(1), penalty(2), penalty(2), penalty(3, XDR_SHXYM=uscc(3)[:17] + "X")]
    before = scrape()

    with schema_context("wanzhou"):
        content = as_csv(rows)
        batch = batch_create(
            actor=Actor.cli(),
            department=district,
            filename="处罚.csv",
            content=io.BytesIO(content),
            size=len(content),
        )
        batch = batch_ingest(batch_id=batch.pk)

    after = scrape()
    outcomes = {
        outcome: sample(after, "credit_ingest_rows_total", district="wanzhou", outcome=outcome)
        - sample(before, "credit_ingest_rows_total", district="wanzhou", outcome=outcome)
        for outcome in ("stored", "updated", "duplicate", "rejected")
    }
    assert outcomes == {
        "stored": batch.stored,
        "updated": batch.updated,
        "duplicate": batch.duplicate,
        "rejected": batch.rejected,
    }
    assert (batch.stored, batch.duplicate, batch.rejected) == (2, 1, 1)


@pytest.mark.django_db
def test_metered_calls_count_calls_and_units() -> None:
    labels = {"district": "wanzhou", "product": "batch_query"}
    before = scrape()

    metered_call_count(district="wanzhou", product="batch_query", units=7)

    after = scrape()
    assert sample(after, "credit_metered_calls_total", **labels) == (
        sample(before, "credit_metered_calls_total", **labels) + 1
    )
    assert sample(after, "credit_metered_units_total", **labels) == (
        sample(before, "credit_metered_units_total", **labels) + 7
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("remote", "networks", "token", "authorization", "status"),
    [
        ("203.0.113.9", None, "", "", 403),
        ("203.0.113.9", None, "scrape-token-1", "Bearer scrape-token-1", 200),
        ("203.0.113.9", None, "scrape-token-1", "Bearer scrape-token-2", 403),
        ("203.0.113.9", None, "", "Bearer ", 403),
        ("10.2.3.4", ["10.0.0.0/8"], "", "", 200),
        ("::ffff:10.2.3.4", ["10.0.0.0/8"], "", "", 200),
        ("10.2.3.4", ["192.168.0.0/16"], "", "", 403),
        ("::1", None, "", "", 200),
    ],
)
def test_metrics_are_readable_only_with_the_token_or_from_an_allowed_network(
    settings: Any, remote: str, networks: list[str] | None, token: str, authorization: str,
    status: int,
) -> None:  # fmt: skip
    settings.METRICS_TOKEN = token
    if networks is not None:
        settings.METRICS_ALLOWED_NETWORKS = networks
    headers = {"Authorization": authorization} if authorization else {}

    response = Client(HTTP_HOST="10.0.0.7", REMOTE_ADDR=remote).get("/metrics", headers=headers)

    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"].startswith("text/plain; version=")
        assert "# TYPE credit_http_requests_total counter" in response.content.decode()
    else:
        assert response.content == b"Forbidden\n"
        assert response.has_header("WWW-Authenticate") is bool(token)
