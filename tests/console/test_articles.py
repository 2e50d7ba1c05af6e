"""法律法规 / 政策指引 / 信用动态: staff write Markdown; the portal shows it sanitised, once published."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.catalog.models import Department
from core.content.models import Article
from tests.conftest import client_for, make_staff
from tests.support.pages import signed_in

BODY = """## 第一条

为了规范**公共信用信息**管理，制定本办法。<script>alert(1)</script>

[原文链接](https://www.gov.cn/) [坏链接](javascript:alert(1))
"""


@pytest.fixture
def editor(department: Department) -> Client:
    return signed_in(make_staff("wanzhou", "editor@wanzhou.test", StaffRole.REVIEWER))


def test_an_article_is_written_published_and_shown_sanitised(editor: Client) -> None:
    response = editor.post("/console/articles/new/", {
        "category": "policies", "title": "万州区公共信用信息管理办法", "source": "万州区发展改革委",
        "published_on": "2026-11-20", "body": BODY,
    })  # fmt: skip
    assert response.status_code == 302
    with schema_context("wanzhou"):
        article = Article.objects.get(title="万州区公共信用信息管理办法")

    page = client_for("wanzhou.localhost").get(f"/articles/{article.pk}/").content.decode()

    assert "<h2>第一条</h2>" in page
    assert "<strong>公共信用信息</strong>" in page
    assert "<script>alert(1)" not in page
    assert "javascript:" not in page
    assert 'href="https://www.gov.cn/"' in page
    listing = client_for("wanzhou.localhost").get("/policies/").content.decode()
    assert "万州区公共信用信息管理办法" in listing
    assert "万州区公共信用信息管理办法" in client_for("wanzhou.localhost").get("/").content.decode()


def test_unpublished_and_future_articles_stay_hidden(editor: Client) -> None:
    editor.post(
        "/console/articles/new/", {"category": "news", "title": "草稿文章标题", "body": "内容"}
    )
    editor.post("/console/articles/new/", {"category": "news", "title": "明天发布的文章",
                                           "body": "内容", "published_on": "2026-11-28"})  # fmt: skip
    with schema_context("wanzhou"):
        ids = list(Article.objects.filter(category="news").values_list("pk", flat=True))

    assert len(ids) == 2
    portal = client_for("wanzhou.localhost")
    assert all(portal.get(f"/articles/{pk}/").status_code == 404 for pk in ids)
    assert "暂无内容" in portal.get("/news/").content.decode()


def test_data_clerks_do_not_edit_articles(department: Department) -> None:
    clerk = signed_in(make_staff("wanzhou", "clerk@wanzhou.test", StaffRole.DATA_CLERK))

    assert clerk.get("/console/articles/").status_code == 404
