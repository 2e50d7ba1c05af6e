"""What people read, in a real browser (issue 21): the portal's home page holds at 1366 px and at
360 px (its navigation there, nothing wider than the screen), and the staff console's grouped
menu fits one line at 1366 px; the console home and the audit log read as sentences. Screenshots
for docs/screenshots/ when SAVE_SCREENSHOTS=1."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from core.catalog.models import Department
from core.collection.services import batch_create
from core.common.actors import Actor
from provisioning.services.onboarding import OnboardingRequest
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, penalty
from tests.e2e.conftest import committed_districts, console_login, console_menu, screenshot

pytestmark = pytest.mark.e2e
BISHAN = OnboardingRequest(
    "bishan",
    "璧山区",
    "信用璧山",
    "500120",
    "bishan.localhost",
    "admin@bishan.example",
    "璧山管理员",
)
PASSWORD = "Bishan-Admin-2026"
PORTAL_NAV = ["首页", "信用动态", "政策法规", "信用查询", "红黑名单", "联合奖惩", "成果展示", "信用服务", "异议与修复"]  # fmt: skip


@pytest.fixture(scope="module")
def bishan(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    media = str(tmp_path_factory.mktemp("media"))
    with committed_districts(django_db_blocker, media, PASSWORD, BISHAN), schema_context("bishan"):
        department = Department.objects.create(code=DEPARTMENT_CODE, name="璧山区市场监督管理局")
        content = as_csv([penalty(n, XDR_MC=f"重庆市璧山区第{n}建设有限公司") for n in (1, 2, 3)])
        batch_create(actor=Actor.system("e2e"), department=department, filename="处罚.csv",
                     content=io.BytesIO(content), size=len(content))  # fmt: skip
        yield


def _overflow(page: Page) -> int:
    """How far the page is wider than the window (0 when nothing scrolls sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_the_portal_home_holds_at_1366_and_360_px(
    page: Page, server_port: int, bishan: None
) -> None:
    base = f"http://bishan.localhost:{server_port}"
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{base}/")

    nav = page.get_by_test_id("portal-nav")
    for item in PORTAL_NAV:
        expect(nav.get_by_role("link", name=item, exact=True)).to_be_visible()
    expect(page.get_by_test_id("home-search").get_by_role("textbox")).to_be_visible()
    assert _overflow(page) == 0
    screenshot(page, "portal-home-1366")

    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{base}/")

    for item in PORTAL_NAV:
        expect(nav.get_by_role("link", name=item, exact=True)).to_be_visible()
    assert _overflow(page) == 0
    screenshot(page, "portal-home-360")


def test_the_console_menu_fits_one_line_and_the_audit_log_reads_as_sentences(
    page: Page, server_port: int, bishan: None
) -> None:
    base = f"http://bishan.localhost:{server_port}"
    page.set_viewport_size({"width": 1366, "height": 900})
    console_login(page, base, BISHAN.admin_email, PASSWORD)

    # Measured in the page's own font: before the web font arrives (slow under a loaded machine)
    # the fallback font is wider and the menu wraps.
    page.evaluate("() => document.fonts.ready.then(() => true)")
    menu = page.locator("nav.console-nav")
    links = menu.locator(":scope > .wrap > a, :scope > .wrap > .nav-group > button")
    boxes = [box for box in (links.nth(i).bounding_box() for i in range(links.count())) if box]
    middles = [box["y"] + box["height"] / 2 for box in boxes]
    # On one line: every item's middle within half an item's height of the others'.
    assert max(middles) - min(middles) < min(box["height"] for box in boxes) / 2, middles
    assert links.count() == 6  # 概览 and the five groups
    assert _overflow(page) == 0
    screenshot(page, "console-home")

    console_menu(page, "系统管理", "审计日志")
    entries = page.get_by_test_id("audit-entry")
    expect(entries.first).to_be_visible()
    expect(page.get_by_text("上传了文件“处罚.csv”").first).to_be_visible()
    screenshot(page, "console-audit")
