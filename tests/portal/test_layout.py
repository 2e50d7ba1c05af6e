"""Every portal page carries the top navigation and the footer; the home page leads with a large
search, the newest news, the red and black lists as tabs and the service entries; the footer's
主办单位 / 承办单位 are district settings edited on the console's theme page (issue 21)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.content.models import Theme
from tenants.models import District
from tests.conftest import client_for, make_staff
from tests.support.pages import signed_in

ROOT = Path(__file__).resolve().parents[2]
NAV = (
    '<li><a href="/">首页</a></li><li><a href="/news/">信用动态</a></li>'
    '<li><a href="/laws/">政策法规</a></li><li><a href="/search/">信用查询</a></li>'
    '<li><a href="/lists/red/">红黑名单</a></li><li><a href="/joint-punishment/">联合奖惩</a></li>'
    '<li><a href="/achievements/">成果展示</a></li><li><a href="/#services">信用服务</a></li>'
    '<li><a href="/#remedies">异议与修复</a></li>'
)
PAGES = (
    "/news/", "/laws/", "/policies/", "/search/", "/lists/red/", "/lists/black/",
    "/joint-punishment/", "/achievements/", "/services/", "/submissions/new/", "/receipts/",
    "/objections/new/", "/repair/new/", "/reports/verify/",
)  # fmt: skip


@pytest.mark.parametrize("path", PAGES)
def test_every_portal_page_has_the_navigation(wanzhou: District, path: str) -> None:
    body = client_for("wanzhou.localhost").get(path).content.decode()

    assert '<nav class="portal-nav" aria-label="网站导航" data-testid="portal-nav">' in body
    assert body.count('aria-current="page"') <= 1
    for label in ("首页", "信用动态", "政策法规", "信用查询", "红黑名单", "联合奖惩", "成果展示"):
        assert f">{label}</a></li>" in body


def test_the_current_section_is_marked(wanzhou: District) -> None:
    home = client_for("wanzhou.localhost").get("/").content.decode()
    lists = client_for("wanzhou.localhost").get("/lists/black/").content.decode()
    repair = client_for("wanzhou.localhost").get("/repair/new/").content.decode()

    assert NAV.replace('<a href="/">', '<a href="/" aria-current="page">') in home
    assert '<a href="/lists/red/" aria-current="page">红黑名单</a>' in lists
    assert '<a href="/#remedies" aria-current="page">异议与修复</a>' in repair


def test_the_home_page_leads_with_search_lists_and_services(wanzhou: District) -> None:
    body = client_for("wanzhou.localhost").get("/").content.decode()

    assert '<section class="hero" data-testid="home-search">' in body
    assert '<label for="q">企业名称或统一社会信用代码</label>' in body
    assert 'placeholder="请输入企业名称或统一社会信用代码，如：万州 建设"' in body
    assert '<label for="tab-red" class="tab-label">守信激励（红名单）</label>' in body
    assert '<label for="tab-black" class="tab-label">严重失信主体名单</label>' in body
    assert body.count('<li class="muted">暂无公示信息</li>') == 2
    assert '<section id="services" class="card">' in body
    assert '<li><a href="/receipts/">办理进度查询</a>' in body
    assert '<section id="remedies" class="card">' in body


def test_the_footer_shows_only_the_units_that_are_set(wanzhou: District) -> None:
    empty = client_for("wanzhou.localhost").get("/").content.decode()
    assert "主办单位" not in empty
    assert "承办单位" not in empty

    with schema_context("wanzhou"):
        Theme.objects.update(host_unit="重庆市万州区发展和改革委员会")
    host_only = client_for("wanzhou.localhost").get("/news/").content.decode()
    assert '<span class="nowrap">主办单位：重庆市万州区发展和改革委员会</span>' in host_only
    assert "承办单位" not in host_only


def test_the_admin_sets_the_footer_units_on_the_theme_page(wanzhou: District) -> None:
    admin = make_staff("wanzhou", "theme-admin@wanzhou.test", StaffRole.DISTRICT_ADMIN)
    console = signed_in(admin)
    page = console.get("/console/theme/").content.decode()
    assert '<label for="id_host_unit">主办单位</label>' in page
    assert '<label for="id_organiser_unit">承办单位</label>' in page

    with schema_context("wanzhou"):
        theme = Theme.objects.get()
    form = {f: getattr(theme, f) for f in ("platform_name", "primary_colour", "accent_colour")}
    response = console.post("/console/theme/", {
        **form, "save": "1", "host_unit": "重庆市万州区发展和改革委员会",
        "organiser_unit": "重庆市万州区信用中心",
    })  # fmt: skip
    assert response.status_code == 302

    body = client_for("wanzhou.localhost").get("/").content.decode()
    assert (
        '<p><span class="nowrap">主办单位：重庆市万州区发展和改革委员会</span>　'
        '<span class="nowrap">承办单位：重庆市万州区信用中心</span></p>'
    ) in body


def test_the_layout_is_built_for_narrow_screens(wanzhou: District) -> None:
    body = client_for("wanzhou.localhost").get("/").content.decode()
    css = (ROOT / "portal_theme/static/portal_theme/site.css").read_text()

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body
    assert ".portal-nav ul { display: grid; grid-template-columns: repeat(3, 1fr);" in css
    assert "<script" not in body  # the menu and the tabs work without scripts
