from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from core.content.models import Theme
from tenants.models import District, Domain
from tests.conftest import client_for


@pytest.mark.django_db
def test_each_district_domain_serves_its_own_platform() -> None:
    wanzhou = client_for("wanzhou.localhost").get("/")
    kaizhou = client_for("kaizhou.localhost").get("/")

    assert wanzhou.status_code == 200
    assert kaizhou.status_code == 200
    assert "<title>信用万州</title>" in wanzhou.content.decode()
    assert "<title>信用开州</title>" in kaizhou.content.decode()
    assert "信用开州" not in wanzhou.content.decode()


@pytest.mark.django_db
def test_host_with_port_routes_like_host() -> None:
    response = client_for("wanzhou.localhost:8000").get("/")

    assert response.status_code == 200
    assert "信用万州" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["nowhere.localhost", "wanzhou.localhost.evil.example", "WANZHOU"])
def test_unknown_host_gets_a_404_page_not_the_public_schema(host: str) -> None:
    response = client_for(host).get("/")

    assert response.status_code == 404
    body = response.content.decode()
    assert "没有使用域名" in body
    assert "信用万州" not in body
    assert "运营管理" not in body


@pytest.mark.django_db
def test_unknown_host_gets_a_json_404_on_graphql() -> None:
    response = client_for("nowhere.localhost").post(
        "/graphql/", data='{"query":"{ __typename }"}', content_type="application/json"
    )

    assert response.status_code == 404
    assert response.json() == {
        "errors": [
            {
                "message": "没有使用域名“nowhere.localhost”的平台",
                "extensions": {"code": "UNKNOWN_HOST"},
            }
        ]
    }


@pytest.mark.django_db
def test_template_schema_is_never_served_even_with_a_domain() -> None:
    template = District.objects.get(schema_name="district_template")
    Domain.objects.create(domain="template.localhost", tenant=template, is_primary=True)

    response = client_for("template.localhost").get("/")

    assert response.status_code == 404


@pytest.mark.django_db
def test_operator_domain_leads_to_the_operator_console() -> None:
    response = client_for("localhost").get("/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


@pytest.mark.django_db
def test_a_session_from_one_district_is_not_valid_in_another(wanzhou_admin: object) -> None:
    wanzhou = client_for("wanzhou.localhost")
    with schema_context("wanzhou"):
        wanzhou.force_login(wanzhou_admin)  # type: ignore[arg-type]
    assert wanzhou.get("/console/").status_code == 200

    kaizhou = Client(HTTP_HOST="kaizhou.localhost")
    kaizhou.cookies = wanzhou.cookies  # the same browser cookie presented to the other domain
    response = kaizhou.get("/console/")

    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")


@pytest.mark.django_db
def test_theme_rows_are_per_district() -> None:
    with schema_context("wanzhou"):
        wanzhou = Theme.objects.get()
    with schema_context("kaizhou"):
        kaizhou = Theme.objects.get()

    assert (wanzhou.platform_name, wanzhou.region_code) == ("信用万州", "500101")
    assert (kaizhou.platform_name, kaizhou.region_code) == ("信用开州", "500154")


# --- Routes kept in process (tenants/routing.py) ------------------------------------------------


def _domain_queries(client: Client, path: str = "/graphql/") -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(path, {"query": "{ __typename }"})
    return sum("tenants_domain" in q["sql"] for q in queries.captured_queries)


@pytest.mark.django_db
def test_a_host_is_looked_up_once_then_served_from_the_process() -> None:
    client = client_for("wanzhou.localhost")

    assert _domain_queries(client) == 1
    assert _domain_queries(client) == 0
    assert _domain_queries(client_for("kaizhou.localhost")) == 1


@pytest.mark.django_db
def test_a_suspension_applies_to_the_next_request() -> None:
    from core.common.actors import Actor
    from provisioning.services.lifecycle import district_suspend

    client = client_for("wanzhou.localhost")
    assert client.get("/").status_code == 200

    district_suspend(
        district=District.objects.get(schema_name="wanzhou"), actor=Actor.system("tests")
    )

    assert client.get("/").status_code == 503


@pytest.mark.django_db
def test_a_renamed_domain_routes_at_once(django_capture_on_commit_callbacks: object) -> None:
    from core.common.actors import Actor
    from provisioning.services.domains import district_domain_change

    assert client_for("wanzhou.localhost").get("/").status_code == 200

    district_domain_change(domain=Domain.objects.get(domain="wanzhou.localhost"), name="credit.wanzhou.test",
                           primary=True, actor=Actor.system("tests"))  # fmt: skip

    assert client_for("wanzhou.localhost").get("/").status_code == 404
    assert client_for("credit.wanzhou.test").get("/").status_code == 200


@pytest.mark.django_db
def test_another_process_changing_a_district_is_heard_on_the_change_feed() -> None:
    from django.db import connection

    from core.common import changefeed

    client = client_for("wanzhou.localhost")
    assert client.get("/").status_code == 200
    # Another process suspends 万州 (no signal here) and, its transaction committed, announces it.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tenants_district SET status = 'suspended' WHERE schema_name = 'wanzhou'"
        )
    assert client.get("/").status_code == 200  # this process still trusts what it read
    changefeed.announce(changefeed.ROUTING)

    assert client.get("/").status_code == 503
