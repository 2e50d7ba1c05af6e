"""The public portal in a real browser (issue: portal): a district's domain shows its own theme and
data; a company is found by part of its name and its public records are exactly those published;
another district's domain looks different and knows nothing of the first one's companies."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from core.catalog.models import Department
from core.collection.services import batch_create
from core.common.actors import Actor
from core.common.tenancy import use_public_schema
from core.content.services import ThemeChanges, theme_update
from core.records.models import Record
from provisioning.services.onboarding import OnboardingRequest
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, penalty
from tests.e2e.conftest import committed_districts, console_login, screenshot

pytestmark = pytest.mark.e2e
ACTOR = Actor.system("e2e")
DISTRICTS = {
    "jiangjin": (OnboardingRequest("jiangjin", "江津区", "信用江津", "500116", "jiangjin.localhost",
                                   "admin@jiangjin.example", "江津管理员"), "#1565c0", "江津"),
    "yongchuan": (OnboardingRequest("yongchuan", "永川区", "信用永川", "500118", "yongchuan.localhost",
                                    "admin@yongchuan.example", "永川管理员"), "#2e7d32", "永川"),
}  # fmt: skip


@pytest.fixture(scope="module")
def two_districts(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    media = str(tmp_path_factory.mktemp("media"))
    requests = [request for request, _, _ in DISTRICTS.values()]
    with committed_districts(django_db_blocker, media, "Portal-Admin-2026", *requests) as admins:
        for slug, (_, colour, place) in DISTRICTS.items():
            with schema_context(slug):
                admin = admins[slug]
                theme_update(actor=admin, changes=ThemeChanges(primary_colour=colour,
                                                               banner_text=f"诚信{place}，共建共享"))  # fmt: skip
                department = Department.objects.create(
                    code=DEPARTMENT_CODE, name=f"{place}区市场监督管理局"
                )
                rows = [penalty(n, XDR_MC=f"重庆市{place}区第{n}建设有限公司", WSH=f"{place}市监罚〔2026〕{n}号")
                        for n in (1, 2, 3)]  # fmt: skip
                rows.append(
                    penalty(
                        1, XDR_MC=f"重庆市{place}区第1建设有限公司", WSH=f"{place}市监罚〔2026〕9号"
                    )
                )
                content = as_csv(rows)
                batch_create(actor=ACTOR, department=department, filename="处罚.csv",
                             content=io.BytesIO(content), size=len(content))  # fmt: skip
                Record.objects.filter(doc_number=f"{place}市监罚〔2026〕9号").update(
                    repaired_at=timezone.now()
                )
            use_public_schema()
        yield


def header_colour(page: Page) -> str:
    return str(
        page.locator("header.site-header").evaluate("e => getComputedStyle(e).backgroundColor")
    )


def test_each_domain_has_its_look_and_its_data(
    page: Page, server_port: int, two_districts: None
) -> None:
    jiangjin = f"http://jiangjin.localhost:{server_port}"
    page.goto(f"{jiangjin}/")
    expect(page.get_by_test_id("platform-name")).to_have_text("信用江津")
    expect(page.locator(".banner")).to_contain_text("诚信江津，共建共享")
    assert header_colour(page) == "rgb(21, 101, 192)"

    page.get_by_label("企业名称或统一社会信用代码").fill("江津 第1建设")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("result-count")).to_have_text("找到 1 个主体")
    expect(page).to_have_url(re.compile(r"/search/r/[A-Za-z]{32}/$"))  # the query stays out
    page.get_by_role("link", name="重庆市江津区第1建设有限公司").click()
    expect(page.get_by_test_id("subject-name")).to_have_text("重庆市江津区第1建设有限公司")
    expect(page.get_by_test_id("public-record")).to_have_count(
        1
    )  # the repaired penalty is not shown
    expect(page.get_by_test_id("section-administration")).to_contain_text("江津市监罚〔2026〕1号")
    screenshot(page, "portal-subject")

    yongchuan = f"http://yongchuan.localhost:{server_port}"
    page.goto(f"{yongchuan}/")
    expect(page.get_by_test_id("platform-name")).to_have_text("信用永川")
    assert header_colour(page) == "rgb(46, 125, 50)"
    page.get_by_label("企业名称或统一社会信用代码").fill("江津 建设")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("result-count")).to_have_text("找到 0 个主体")
    page.goto(f"{yongchuan}/search/?q=永川+建设")
    expect(page.get_by_test_id("result-count")).to_have_text("找到 3 个主体")
    screenshot(page, "portal-search")


def test_the_admin_changes_the_theme_in_the_console(
    page: Page, server_port: int, two_districts: None
) -> None:
    base = f"http://jiangjin.localhost:{server_port}"
    console_login(page, base, "admin@jiangjin.example", "Portal-Admin-2026")
    page.goto(f"{base}/console/theme/")
    page.get_by_label("横幅标语").fill("守信践诺，信用江津")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("done")).to_be_visible()
    page.goto(f"{base}/")
    expect(page.locator(".banner")).to_contain_text("守信践诺，信用江津")
