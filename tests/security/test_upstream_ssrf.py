"""SSRF with people's identity numbers (red-team review): a district admin could set any URL as
an upstream endpoint (`http://127.0.0.1:8199/…` was accepted) and the platform POSTed batches with
people's 证件号码 and the bearer token there.

Now endpoints are the operator's (operator console, `manage.py district set-upstream`); the
district admin may only see the URL. A URL must be HTTPS to a host on the operator's allow-list
whose every address is public, checked when saved and again at connect time, and the connection
goes to the checked address; redirects are not followed (core/upstream/egress.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.catalog.models import Department
from core.common.errors import ValidationFailed
from core.common.tenancy import use_public_schema
from core.upstream.enums import OutboxBatchStatus
from core.upstream.models import OutboxBatch, UpstreamEndpoint
from core.upstream.services import endpoint_url_check, outbox_batch_resend, outbox_batches_build
from tenants.models import District
from tests.core.collection.files import penalty
from tests.core.upstream.conftest import (  # noqa: F401
    admin,
    at,
    department,
    endpoint,
    endpoint_for,
    store,
    upstream,
)
from tests.infra.files import ROOT
from tests.security.conftest import ProductionServer
from tests.support.certificates import local_ca
from tests.support.dns import FakeDns
from tests.support.servers import append_only_remove
from tests.support.upstream_server import UpstreamServer

HOST = "wanzhou.localhost"
EMAIL = "ssrf-admin@wanzhou.test"
PASSWORD = "Ssrf-Admin-Pass-2026"
OPERATOR_URL = "https://report.credit.example.cn/api/shuanggongshi/batches"
ATTACKER_URL = "http://127.0.0.1:8199/collect"
NOVEMBER = {"start": date(2026, 11, 1), "end": date(2026, 11, 27)}

PRIVATE = "该地址解析到内网或本机地址（{}），不允许"


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    fake = FakeDns()
    monkeypatch.setattr(socket, "getaddrinfo", fake.getaddrinfo)
    return fake


# --- The district admin cannot set the endpoint (production server) ----------------------------


@pytest.fixture(scope="module")
def committed_endpoint(django_db_setup: None, django_db_blocker: Any) -> Iterator[int]:
    """A district admin with a password and an endpoint the operator set, committed in 万州区
    for the production server; removed afterwards."""
    with django_db_blocker.unblock():
        with schema_context("wanzhou"):
            audited = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            user = User.objects.create_user(EMAIL, PASSWORD, role=StaffRole.DISTRICT_ADMIN.value)
            saved = UpstreamEndpoint.objects.create(name="信用重庆（安全测试）", url=OPERATOR_URL)
        use_public_schema()
    yield saved.pk
    with django_db_blocker.unblock():
        with schema_context("wanzhou"):
            UpstreamEndpoint.objects.filter(pk=saved.pk).delete()
            User.objects.filter(pk=user.pk).delete()
            append_only_remove(AuditEntry.objects.filter(pk__gt=audited))
        use_public_schema()


def signed_in_admin(production: ProductionServer) -> Any:
    browser = production.visitor(HOST)
    token = browser.csrf_from("/console/login/")
    answer = browser.post("/console/login/", form={
        "username": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "",
    })  # fmt: skip
    assert answer.status == 302, answer.text[:500]
    return browser


def test_the_district_admin_sees_the_url_but_has_no_field_for_it(
    production: ProductionServer, committed_endpoint: int, flush_limits: None
) -> None:
    browser = signed_in_admin(production)

    page = browser.get("/console/upstream/")
    edit = browser.get(f"/console/upstream/?edit={committed_endpoint}")

    assert (page.status, edit.status) == (200, 200)
    assert f'<td data-testid="endpoint-url">{OPERATOR_URL}</td>' in page.text
    assert f"上报地址：{OPERATOR_URL}" in edit.text
    for html in (page.text, edit.text):
        assert 'name="url"' not in html
        assert 'name="name"' not in html


@pytest.mark.django_db
def test_the_district_admin_cannot_change_or_add_an_endpoint_url(
    production: ProductionServer, committed_endpoint: int, flush_limits: None
) -> None:
    browser = signed_in_admin(production)
    csrf = browser.csrf_from(f"/console/upstream/?edit={committed_endpoint}")

    changed = browser.post("/console/upstream/", form={
        "csrfmiddlewaretoken": csrf, "endpoint_save": "1", "endpoint_id": str(committed_endpoint),
        "name": "内网", "url": ATTACKER_URL, "token": "", "enabled": "",
    })  # fmt: skip
    added = browser.post("/console/upstream/", form={
        "csrfmiddlewaretoken": csrf, "endpoint_save": "1", "name": "内网", "url": ATTACKER_URL,
        "token": "attacker-token", "enabled": "on",
    })  # fmt: skip

    assert changed.status == 302  # what the admin may change (token, pushing) was saved
    assert added.status == 200
    assert "上级平台及其上报地址由运营方设置，请选择列表中的上级平台编辑访问令牌" in added.text
    with schema_context("wanzhou"):
        assert list(UpstreamEndpoint.objects.values_list("pk", "name", "url")) == [
            (committed_endpoint, "信用重庆（安全测试）", OPERATOR_URL)
        ]


# --- The URL check (in process) -----------------------------------------------------------------


FORBIDDEN_ADDRESSES = [
    "127.0.0.1",  # loopback
    "127.8.9.10",
    "10.1.2.3",  # 10/8
    "172.16.5.4",  # 172.16/12
    "172.31.255.254",
    "192.168.1.10",  # 192.168/16
    "169.254.169.254",  # link-local: cloud metadata
    "100.64.0.1",  # shared address space (carrier NAT)
    "0.0.0.0",  # unspecified
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "::1",  # IPv6 loopback
    "::",  # unspecified
    "fc00::1",  # unique local fc00::/7
    "fd12:3456::1",
    "fe80::1",  # link-local fe80::/10
    "ff02::1",  # multicast
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:169.254.169.254",  # IPv4-mapped metadata
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
]


@pytest.mark.parametrize("address", FORBIDDEN_ADDRESSES)
def test_a_name_resolving_to_a_non_public_address_is_refused(
    address: str, settings: Any, dns: FakeDns
) -> None:
    settings.UPSTREAM_ALLOWED_HOSTS = ["report.credit.example.cn"]
    dns.answer("report.credit.example.cn", "203.119.26.1", address)  # one bad address is enough

    with pytest.raises(ValidationFailed) as caught:
        endpoint_url_check(OPERATOR_URL)

    assert (caught.value.message, caught.value.code, caught.value.field) == (
        PRIVATE.format(address), "PRIVATE_ADDRESS", "url",
    )  # fmt: skip


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "10.1.2.3", "172.16.5.4", "192.168.1.10", "169.254.169.254", "[::1]",
             "[fc00::1]", "[fe80::1]", "[::ffff:127.0.0.1]"],
)  # fmt: skip
def test_an_address_typed_in_the_url_is_refused_even_when_allow_listed(
    host: str, settings: Any
) -> None:
    settings.UPSTREAM_ALLOWED_HOSTS = [host.strip("[]")]

    with pytest.raises(ValidationFailed) as caught:
        endpoint_url_check(f"https://{host}:8199/collect")

    assert caught.value.message == PRIVATE.format(host.strip("[]"))


def test_a_name_the_machine_resolves_to_loopback_is_refused(settings: Any) -> None:
    settings.UPSTREAM_ALLOWED_HOSTS = ["localhost"]

    with pytest.raises(ValidationFailed) as caught:
        endpoint_url_check("https://localhost:8199/collect")

    assert caught.value.message == PRIVATE.format("127.0.0.1")


@pytest.mark.parametrize(
    ("url", "message", "code"),
    [
        (ATTACKER_URL, "上报地址须使用 HTTPS（https:// 开头）", "NOT_HTTPS"),
        ("http://report.credit.example.cn/api", "上报地址须使用 HTTPS（https:// 开头）",
         "NOT_HTTPS"),
        ("gopher://report.credit.example.cn/", "上报地址须使用 HTTPS（https:// 开头）",
         "NOT_HTTPS"),
        ("https://evil.example.com/collect",
         "主机“evil.example.com”不在运营方允许的上报地址清单中", "HOST_NOT_ALLOWED"),
        ("https://report.credit.example.cn.evil.example.com/",
         "主机“report.credit.example.cn.evil.example.com”不在运营方允许的上报地址清单中",
         "HOST_NOT_ALLOWED"),
        ("https://report.credit.example.cn@127.0.0.1/", "上报地址中不能包含用户名或密码",
         "BAD_URL"),
        ("https://report.credit.example.cn:0/", "上报地址应为 https:// 开头的完整网址", "BAD_URL"),
        ("report.credit.example.cn/api", "上报地址应为 https:// 开头的完整网址", "BAD_URL"),
    ],
)  # fmt: skip
def test_a_url_that_is_not_https_to_an_allowed_host_is_refused(
    url: str, message: str, code: str, settings: Any, dns: FakeDns
) -> None:
    settings.UPSTREAM_ALLOWED_HOSTS = ["report.credit.example.cn"]
    dns.answer("report.credit.example.cn", "203.119.26.1")

    with pytest.raises(ValidationFailed) as caught:
        endpoint_url_check(url)

    assert (caught.value.message, caught.value.code) == (message, code)


def test_an_allowed_host_with_public_addresses_passes(settings: Any, dns: FakeDns) -> None:
    settings.UPSTREAM_ALLOWED_HOSTS = [".credit.example.cn"]
    dns.answer("report.credit.example.cn", "203.119.26.1", "2400:da00::6666")

    assert endpoint_url_check(f" {OPERATOR_URL} ") == OPERATOR_URL
    assert dns.asked == ["report.credit.example.cn"]


def test_the_test_networks_are_refused_outside_debug() -> None:
    """The loophole the tests use to reach their server on loopback cannot be opened in a
    deployment: settings refuse it without DJANGO_DEBUG."""
    environment = {**os.environ, "DJANGO_DEBUG": "0", "UPSTREAM_TEST_NETWORKS": "127.0.0.0/8"}

    ran = subprocess.run(
        [sys.executable, "-c", "import core.config.settings"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert ran.returncode == 1
    assert ran.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: UPSTREAM_TEST_NETWORKS lets upstream "
        "pushes reach private addresses: it is for tests and local trials only and is refused "
        "when DJANGO_DEBUG is off"
    )


# --- At push time (in process, a real HTTPS upstream) -------------------------------------------


@pytest.fixture
def build(
    admin: User,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> Callable[[UpstreamEndpoint], OutboxBatch]:
    """Build November's batch for an endpoint; the push runs after commit, in process."""

    def run(endpoint: UpstreamEndpoint) -> OutboxBatch:  # noqa: F811
        with django_capture_on_commit_callbacks(execute=True):
            (batch,) = outbox_batches_build(actor=admin, endpoint_id=endpoint.pk, **NOVEMBER)
        return OutboxBatch.objects.get(pk=batch.pk)

    return run


def test_a_name_rebound_to_loopback_after_saving_is_refused_at_push_time(
    wanzhou: District,
    admin: User,  # noqa: F811
    department: Department,  # noqa: F811
    build: Callable[[UpstreamEndpoint], OutboxBatch],
    settings: Any,
    dns: FakeDns,
    django_capture_on_commit_callbacks: Any,
) -> None:
    server = UpstreamServer(host="upstream.test").start()
    try:
        settings.UPSTREAM_ALLOWED_HOSTS = ["upstream.test"]
        settings.UPSTREAM_CA_FILE = str(local_ca().ca_file)
        dns.answer("upstream.test", "203.119.26.1")  # public when the operator saves it
        saved = endpoint_for(wanzhou, admin, url=server.url)
        store(department, "CF", [penalty(1, XDR_LB="自然人", XDR_MC="李四", XDR_SHXYM="",
                                         XDR_ZJHM="11010519491231002X")], at(20))  # fmt: skip
        dns.answer("upstream.test", "127.0.0.1")  # then the attacker's DNS answers loopback

        batch = build(saved)

        assert (batch.status, batch.attempts, batch.last_error) == (
            OutboxBatchStatus.FAILED, 1, PRIVATE.format("127.0.0.1"),
        )  # fmt: skip
        assert server.requests == []
        # The refusal is the address check's: with loopback let through (as only tests may),
        # the same batch reaches the server.
        settings.UPSTREAM_TEST_NETWORKS = ["127.0.0.0/8"]
        with django_capture_on_commit_callbacks(execute=True):
            outbox_batch_resend(actor=admin, batch_pk=batch.pk)
        batch.refresh_from_db()
    finally:
        server.stop()
    assert (batch.status, len(server.requests)) == (OutboxBatchStatus.DONE, 1)


def test_the_push_connects_to_the_address_it_checked_without_resolving_again(
    wanzhou: District,
    admin: User,  # noqa: F811
    department: Department,  # noqa: F811
    build: Callable[[UpstreamEndpoint], OutboxBatch],
    settings: Any,
    dns: FakeDns,
) -> None:
    server = UpstreamServer(host="upstream.test").start()
    try:
        settings.UPSTREAM_ALLOWED_HOSTS = ["upstream.test"]
        settings.UPSTREAM_CA_FILE = str(local_ca().ca_file)
        settings.UPSTREAM_TEST_NETWORKS = ["127.0.0.1/32"]  # the test server, nothing else
        dns.answer("upstream.test", "127.0.0.1")
        saved = endpoint_for(wanzhou, admin, url=server.url)
        store(department, "CF", [penalty(1)], at(20))
        # The push's lookup answers the checked address; any later lookup would answer the
        # metadata service (which a second resolution at connect time would then reach).
        dns.answer("upstream.test", "127.0.0.1", then=["169.254.169.254"])
        dns.asked.clear()

        batch = build(saved)
    finally:
        server.stop()

    assert (batch.status, batch.last_error) == (OutboxBatchStatus.DONE, "")
    assert dns.asked == ["upstream.test"]
    (request,) = server.requests
    assert request.headers["Host"] == f"upstream.test:{server.port}"  # and SNI, the certificate


def test_a_redirect_is_not_followed_and_fails_the_push(
    department: Department,  # noqa: F811
    endpoint: UpstreamEndpoint,  # noqa: F811
    upstream: UpstreamServer,  # noqa: F811
    build: Callable[[UpstreamEndpoint], OutboxBatch],
) -> None:
    elsewhere = UpstreamServer().start()
    try:
        upstream.redirect_to = elsewhere.url
        store(department, "CF", [penalty(1)], at(20))

        batch = build(endpoint)
    finally:
        elsewhere.stop()

    assert (batch.status, batch.next_attempt_at, batch.last_error) == (
        OutboxBatchStatus.FAILED, None,
        "上级平台要求跳转到其他地址（HTTP 302），为保护令牌和数据未跟随。请联系运营方核对上报地址",
    )  # fmt: skip
    assert (len(upstream.requests), elsewhere.requests) == (1, [])


def test_an_endpoint_saved_before_the_fix_with_a_private_url_is_refused_at_push_time(
    department: Department,  # noqa: F811
    build: Callable[[UpstreamEndpoint], OutboxBatch],
) -> None:
    # A row a district admin wrote before endpoints were the operator's (plain HTTP, loopback).
    old = UpstreamEndpoint.objects.create(
        name="信用重庆", url=ATTACKER_URL, token="t0k3n", enabled=True
    )
    store(department, "CF", [penalty(1)], at(20))

    batch = build(old)

    assert (batch.status, batch.last_error) == (
        OutboxBatchStatus.FAILED, "上报地址须使用 HTTPS（https:// 开头）",
    )  # fmt: skip
    assert AuditEntry.objects.filter(action="upstream.batch.attempt_failed").count() == 1
