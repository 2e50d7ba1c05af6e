from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.upstream.models import UpstreamEndpoint
from tenants.enums import DistrictStatus
from tenants.models import District, PlatformAuditEntry
from tests.conftest import OPERATOR_HOST, client_for
from tests.support.upstream_server import UpstreamServer


@pytest.fixture
def admin_client(db: None) -> Client:
    with schema_context("public"):
        superuser = User.objects.create_superuser("root@operator.test", "Root-Pass-2026")
    client = client_for(OPERATOR_HOST)
    client.force_login(superuser)
    return client


@pytest.mark.django_db
def test_the_district_list_shows_status_domains_and_counts(admin_client: Client) -> None:
    response = admin_client.get("/admin/tenants/district/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "信用万州" in body
    assert "信用开州" in body
    assert "wanzhou.localhost" in body
    assert '<td class="field-catalogue_items">29</td>' in body
    assert '<td class="field-staff_count">1</td>' in body
    assert "district_template" not in body


@pytest.mark.django_db
def test_onboarding_from_the_console_shows_the_login_link_once(admin_client: Client) -> None:
    form = {
        "slug": "fengjie",
        "name": "奉节县",
        "platform_name": "信用奉节",
        "region_code": "500236",
        "domain": "fengjie.localhost",
        "admin_email": "admin@fengjie.example",
        "admin_name": "",
    }

    response = admin_client.post("/admin/tenants/district/onboard/", form, follow=True)

    body = response.content.decode()
    assert "奉节县已开通" in body
    assert "http://fengjie.localhost/console/first-login/" in body
    assert District.objects.get(schema_name="fengjie").status == DistrictStatus.ACTIVE


@pytest.mark.django_db
def test_onboarding_errors_are_shown_on_the_form_field(admin_client: Client) -> None:
    form = {
        "slug": "fengjie",
        "name": "奉节县",
        "platform_name": "信用奉节",
        "region_code": "500236",
        "domain": "wanzhou.localhost",
        "admin_email": "admin@fengjie.example",
    }

    response = admin_client.post("/admin/tenants/district/onboard/", form)

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "domain": ["域名“wanzhou.localhost”已被其他平台使用"]
    }


@pytest.mark.django_db
def test_lifecycle_actions_run_through_the_services(
    admin_client: Client, wanzhou: District
) -> None:
    response = admin_client.post(
        "/admin/tenants/district/",
        {"action": "suspend", "_selected_action": [str(wanzhou.pk)]},
        follow=True,
    )

    assert "万州区：已暂停" in response.content.decode()
    assert District.objects.get(pk=wanzhou.pk).status == DistrictStatus.SUSPENDED


@pytest.mark.django_db
def test_district_staff_cannot_use_the_operator_console(wanzhou_admin: User) -> None:
    client = client_for("wanzhou.localhost")
    with schema_context("wanzhou"):
        client.force_login(wanzhou_admin)

    assert client.get("/admin/").status_code == 404


@pytest.mark.django_db
def test_the_operator_sets_where_a_districts_upstream_reports_go(
    admin_client: Client, wanzhou: District, settings: Any
) -> None:
    server = UpstreamServer()  # not started: saving checks the address, it does not connect
    server.allow(settings)
    page = f"/admin/tenants/district/{wanzhou.pk}/upstream/"
    assert (
        page in admin_client.get(f"/admin/tenants/district/{wanzhou.pk}/change/").content.decode()
    )

    refused = admin_client.post(page, {"name": "信用重庆", "url": "https://169.254.169.254/x"})
    assert "主机“169.254.169.254”不在运营方允许的上报地址清单中" in refused.content.decode()
    response = admin_client.post(page, {"name": "信用重庆", "url": server.url}, follow=True)

    body = response.content.decode()
    assert "万州区：已设置上级平台“信用重庆”的上报地址" in body
    assert f"<td>信用重庆</td><td>{server.url}</td>" in body
    with schema_context("wanzhou"):
        assert list(UpstreamEndpoint.objects.values_list("name", "url", "enabled")) == [
            ("信用重庆", server.url, False)
        ]
    entry = PlatformAuditEntry.objects.get(action="district.upstream_endpoint_set")
    assert (entry.actor_label, entry.district_schema) == ("root@operator.test", "wanzhou")


def test_the_operator_console_speaks_chinese(admin_client: Client) -> None:
    import re

    districts = admin_client.get("/admin/tenants/district/").content.decode()
    audit = admin_client.get("/admin/tenants/platformauditentry/").content.decode()
    change = admin_client.get(
        f"/admin/tenants/district/{District.objects.get(schema_name='wanzhou').pk}/change/"
    ).content.decode()
    home = admin_client.get("/admin/").content.decode()

    headers = re.findall(r'<th scope="col"[^>]*>.*?<(?:a|span)[^>]*>([^<]+)<', districts, re.S)
    assert headers[:5] == ["区县名称", "模式名", "平台名称", "行政区划代码", "状态"]
    assert re.findall(r'<th scope="col"[^>]*>.*?<(?:a|span)[^>]*>([^<]+)<', audit, re.S) == [
        "时间", "操作人", "操作", "区县",
    ]  # fmt: skip
    inline = [h.split()[0] for h in re.findall(r'<th class="column-[^"]*">([^<]*)</th>', change)]
    assert inline == ["域名", "主域名"]
    assert "公共基础" in home
    assert not re.search(
        r"SCHEMA NAME|Schema name|Is primary|Common kernel", districts + change + home
    )
