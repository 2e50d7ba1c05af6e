from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tenants.enums import DistrictKind, DistrictStatus
from tenants.models import District, Domain, PlatformAuditEntry
from tests.support.upstream_server import UpstreamServer


def run(*args: str) -> str:
    out = StringIO()
    call_command("district", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_onboard_prints_the_portal_and_a_one_time_login_link() -> None:
    output = run(
        "onboard", "--slug", "fengjie", "--name", "奉节县", "--platform-name", "信用奉节",
        "--region-code", "500236", "--domain", "fengjie.localhost", "--admin-email", "a@fengjie.example",
        "--port", "8000",
    )  # fmt: skip

    lines = output.splitlines()
    assert lines[0].startswith("奉节县（fengjie）已开通（使用预建模式），用时 ")
    assert lines[1] == "门户：http://fengjie.localhost:8000/"
    assert lines[2].startswith(
        "管理员 a@fengjie.example 的一次性登录链接（仅显示一次）：http://fengjie.localhost:8000/console/first-login/"
    )
    assert District.objects.filter(schema_name="fengjie", status=DistrictStatus.ACTIVE).exists()


@pytest.mark.django_db
def test_onboard_with_a_bad_region_code_fails_with_the_reason() -> None:
    with pytest.raises(CommandError) as caught:
        run(
            "onboard", "--slug", "fengjie", "--name", "奉节县", "--platform-name", "信用奉节",
            "--region-code", "5002", "--domain", "fengjie.localhost", "--admin-email", "a@fengjie.example",
        )  # fmt: skip

    assert str(caught.value) == "行政区划代码应为6位数字，收到“5002”"


@pytest.mark.django_db
def test_suspend_and_resume_from_the_command_line() -> None:
    assert run("suspend", "wanzhou", "--reason", "维护") == "万州区（wanzhou）：已暂停\n"
    assert run("resume", "wanzhou") == "万州区（wanzhou）：运行中\n"


@pytest.mark.django_db
def test_list_shows_status_domains_and_counts() -> None:
    lines = run("list").splitlines()

    assert len(lines) == 2
    assert lines[0].split() == [
        "wanzhou",
        "万州区",
        "信用万州",
        "500101",
        "运行中",
        "职员",
        "1",
        "目录项",
        "29",
        "wanzhou.localhost",
    ]
    assert lines[1].split()[:4] == ["kaizhou", "开州区", "信用开州", "500154"]


@pytest.mark.django_db
def test_unknown_slug_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="没有标识为“nowhere”的区县"):
        run("suspend", "nowhere")


@pytest.mark.django_db
def test_operator_routes_the_configured_domains_to_the_operator_console(settings: Any) -> None:
    settings.OPERATOR_DOMAINS = ["ops.credit.example.cn", "127.0.0.1"]

    first = run("operator")
    second = run("operator")

    assert first == second == "运营方域名：ops.credit.example.cn, 127.0.0.1\n"
    routed = Domain.objects.filter(domain="ops.credit.example.cn").select_related("tenant").get()
    assert (routed.tenant.schema_name, routed.tenant.kind) == ("public", DistrictKind.OPERATOR)


@pytest.mark.django_db
def test_a_district_gets_another_domain_and_serves_on_both() -> None:
    from tests.conftest import client_for

    added = run("add-domain", "wanzhou", "Credit.WanZhou.gov.cn.", "--primary")

    assert added == "已添加域名：credit.wanzhou.gov.cn（主域名）\n"
    assert list(Domain.objects.filter(tenant__schema_name="wanzhou").order_by("domain")
                .values_list("domain", "is_primary")) == [
        ("credit.wanzhou.gov.cn", True), ("wanzhou.localhost", False)]  # fmt: skip
    for host in ("credit.wanzhou.gov.cn", "wanzhou.localhost"):
        assert "信用万州" in client_for(host).get("/").content.decode()
    with pytest.raises(CommandError, match="域名“kaizhou.localhost”已被其他平台使用"):
        run("add-domain", "wanzhou", "kaizhou.localhost")
    with pytest.raises(CommandError, match="域名“credit_wanzhou.cn”含下划线"):
        run("add-domain", "wanzhou", "credit_wanzhou.cn")


@pytest.mark.django_db
def test_the_operator_sets_and_lists_a_districts_upstream_endpoint(settings: Any) -> None:
    server = UpstreamServer()  # not started: saving checks the address, it does not connect
    server.allow(settings)

    with pytest.raises(CommandError, match="^上报地址须使用 HTTPS（https:// 开头）$"):
        run("set-upstream", "wanzhou", "信用重庆", "http://127.0.0.1:8199/collect")
    assert run("upstream", "wanzhou") == "尚无上级平台\n"

    assert run("set-upstream", "wanzhou", "信用重庆", server.url) == (
        f"已设置上报地址：信用重庆 {server.url}\n"
    )
    assert run("upstream", "wanzhou") == f"信用重庆  {server.url}  未启用  未设置令牌\n"
    entry = PlatformAuditEntry.objects.get(action="district.upstream_endpoint_set")
    assert (entry.actor_kind, entry.district_schema, entry.details["url"]) == (
        "cli", "wanzhou", server.url,
    )  # fmt: skip
