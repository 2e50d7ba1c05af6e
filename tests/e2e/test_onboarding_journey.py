"""The operator's journey in a real browser: a new district, its admin's first login, suspension."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from core.common.actors import Actor
from core.common.tenancy import use_public_schema
from provisioning.services.lifecycle import (
    district_purge,
    district_request_deletion,
    district_resume,
    district_suspend,
)
from provisioning.services.onboarding import OnboardingRequest, district_onboard
from tenants.models import District
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

WUSHAN = OnboardingRequest(
    slug="wushan",
    name="巫山县",
    platform_name="信用巫山",
    region_code="500237",
    domain="wushan.localhost",
    admin_email="admin@wushan.example",
    admin_name="巫山管理员",
)
ACTOR = Actor.system("e2e")


@pytest.fixture(scope="module")
def wushan(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """A district committed for these tests (the live server cannot see a test transaction),
    purged after them. Yields its admin's one-time login token."""
    with django_db_blocker.unblock():
        result = district_onboard(request=WUSHAN, actor=ACTOR)
    assert result.login_token is not None
    yield result.login_token
    with django_db_blocker.unblock():
        use_public_schema()
        district = District.objects.get(schema_name="wushan")
        if district.status != "deletion_pending":
            district_request_deletion(district=district, actor=ACTOR, grace_days=0)
        district_purge(district=District.objects.get(schema_name="wushan"), actor=ACTOR)


def test_a_new_districts_admin_sets_a_password_and_reaches_the_console(
    page: Page, server_port: int, wushan: str
) -> None:
    base = f"http://wushan.localhost:{server_port}"

    page.goto(f"{base}/console/first-login/{wushan}/")
    expect(page.get_by_role("heading", name="设置登录密码")).to_be_visible()
    expect(page.get_by_text("admin@wushan.example")).to_be_visible()
    page.get_by_label("新密码", exact=True).fill("Wushan-Credit-2026")
    page.get_by_label("再次输入新密码").fill("Wushan-Credit-2026")
    page.get_by_role("button", name="设置密码并登录").click()

    expect(page.get_by_role("heading", name="巫山县 · 概览")).to_be_visible()
    expect(page.locator("table").first).to_contain_text("admin@wushan.example")
    expect(page.locator("body")).to_contain_text("登记注册基本信息")
    screenshot(page, "console-home")

    page.get_by_role("button", name="退出").click()
    page.goto(f"{base}/console/first-login/{wushan}/")
    expect(page.get_by_role("heading", name="链接不可用")).to_be_visible()

    page.goto(f"{base}/console/login/")
    page.get_by_label("电子邮箱").fill("admin@wushan.example")
    page.get_by_label("密码").fill("wrong-password-123")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("邮箱或密码不正确，请重新输入。")
    page.get_by_label("密码").fill("Wushan-Credit-2026")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="巫山县 · 概览")).to_be_visible()


def test_the_portal_goes_into_maintenance_while_suspended(
    page: Page, server_port: int, wushan: str, django_db_blocker: Any
) -> None:
    base = f"http://wushan.localhost:{server_port}"
    page.goto(f"{base}/")
    expect(page).to_have_title("信用巫山")
    expect(page.get_by_test_id("catalogue-category")).to_have_count(11)
    screenshot(page, "portal-home")

    with django_db_blocker.unblock():
        district_suspend(
            district=District.objects.get(schema_name="wushan"), actor=ACTOR, reason="维护"
        )
    response = page.goto(f"{base}/")
    assert response is not None
    assert response.status == 503
    expect(page.get_by_test_id("maintenance")).to_have_text("系统维护中")

    with django_db_blocker.unblock():
        district_resume(district=District.objects.get(schema_name="wushan"), actor=ACTOR)
    page.goto(f"{base}/")
    expect(page.get_by_test_id("platform-name")).to_have_text("信用巫山")


def test_an_unknown_domain_shows_a_not_found_page(page: Page, server_port: int) -> None:
    response = page.goto(f"http://nowhere.localhost:{server_port}/")

    assert response is not None
    assert response.status == 404
    expect(page.get_by_test_id("unknown-host")).to_contain_text("nowhere.localhost")
