"""Test fixtures. The test database is created once per run with the operator's row, the template
schema and two districts (万州区 and 开州区) committed; each test then runs in a transaction that is
rolled back, so it may change anything, switch schemas, even onboard a district."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import setup_databases, teardown_databases
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.common.actors import Actor
from core.common.changefeed import feed_forget
from core.common.tenancy import use_public_schema
from provisioning.services.onboarding import OnboardingRequest, district_onboard
from provisioning.services.operator import operator_ensure
from provisioning.services.template import template_ensure
from tenants.models import District
from tenants.routing import routing_forget

WANZHOU = OnboardingRequest(
    slug="wanzhou",
    name="万州区",
    platform_name="信用万州",
    region_code="500101",
    domain="wanzhou.localhost",
    admin_email="admin@wanzhou.test",
    admin_name="万州管理员",
)
KAIZHOU = OnboardingRequest(
    slug="kaizhou",
    name="开州区",
    platform_name="信用开州",
    region_code="500154",
    domain="kaizhou.localhost",
    admin_email="admin@kaizhou.test",
    admin_name="开州管理员",
)
OPERATOR_HOST = "localhost"
# Set by tests/support/citus.py: the test database already exists on every node of a Citus cluster
# (Citus does not create databases across nodes), so it is kept rather than created and dropped.
ON_CLUSTER = os.environ.get("CREDIT_TEST_CLUSTER") == "citus"

# The `clock` and `today` fixtures and @on_calendar_days (tests/support/clock.py).
pytest_plugins = ["tests.support.clock"]


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment: None, django_db_blocker: Any) -> Iterator[None]:
    """Create the test database whatever the collected tests are marked with (pytest-django only
    creates it for aliases that some `django_db` test names; browser tests use committed data)."""
    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=0,
            interactive=False,
            aliases={"default"},  # type: ignore[arg-type]
            keepdb=ON_CLUSTER,
        )
        operator_ensure(domains=[OPERATOR_HOST, "testserver"])
        template_ensure()
        for request in (WANZHOU, KAIZHOU):
            district_onboard(request=request, actor=Actor.system("tests"))
        use_public_schema()
    yield
    with django_db_blocker.unblock():
        use_public_schema()
        with connection.cursor() as cursor:
            # Connections other threads and event-loop contexts opened (live server, browser tests)
            # would otherwise keep the test database from being dropped.
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        teardown_databases(config, verbosity=0, keepdb=ON_CLUSTER)


@pytest.fixture(autouse=True)
def _back_to_public() -> Iterator[None]:
    yield
    use_public_schema()
    # Routes and answers kept in process (tenants/routing.py, graphql_api/views.py) may come from
    # a rolled-back test's data, and rollbacks announce nothing (core/common/changefeed.py).
    routing_forget()
    feed_forget()


@pytest.fixture
def wanzhou(db: None) -> District:
    return District.objects.get(schema_name="wanzhou")


@pytest.fixture
def kaizhou(db: None) -> District:
    return District.objects.get(schema_name="kaizhou")


def client_for(host: str) -> Client:
    return Client(HTTP_HOST=host)


@pytest.fixture
def wanzhou_client(wanzhou: District) -> Client:
    return client_for(WANZHOU.domain)


@pytest.fixture
def operator_user(db: None) -> User:
    with schema_context("public"):
        return User.objects.create_user(
            "ops@operator.test", "Operator-Pass-2026", is_staff=True, full_name="运营员"
        )


@pytest.fixture
def operator_client(operator_user: User) -> Client:
    client = client_for(OPERATOR_HOST)
    client.force_login(operator_user)
    return client


@pytest.fixture
def wanzhou_admin(wanzhou: District) -> User:
    with schema_context("wanzhou"):
        return User.objects.get(email=WANZHOU.admin_email)


def make_staff(schema: str, email: str, role: StaffRole) -> User:
    with schema_context(schema):
        return User.objects.create_user(email, "Staff-Pass-2026", role=role.value)


def gql(
    client: Client, query: str, variables: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """POST a GraphQL operation; return the decoded body (any status)."""
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **extra,
    )
    body: dict[str, Any] = json.loads(response.content)
    body["_status"] = response.status_code
    return body
