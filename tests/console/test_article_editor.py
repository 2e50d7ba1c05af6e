"""Issue 21: staff write articles in a rich-text editor (pell, vendored); the HTML is kept to an
allow-list before it is stored and again on the portal; Markdown articles render as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.catalog.models import Department
from core.content.models import Article, ArticleFormat
from tests.conftest import client_for, make_staff
from tests.support.pages import signed_in

POSTED = (
    '<p style="color:red">遵守<strong>信用</strong>承诺<script>alert(1)</script></p>'
    '<p><img src="x" onerror="alert(1)">图片说明</p>'
    '<p><a href="javascript:alert(1)">坏链接</a> <a href="https://www.gov.cn/" target="_blank">原文</a></p>'
    '<h2 onclick="steal()">第二条</h2><ul><li><u>要点</u></li></ul>'
)
STORED = (
    "<p>遵守<strong>信用</strong>承诺</p>"
    "<p>图片说明</p>"
    '<p><a rel="noopener noreferrer">坏链接</a> '
    '<a href="https://www.gov.cn/" rel="noopener noreferrer">原文</a></p>'
    "<h2>第二条</h2><ul><li><u>要点</u></li></ul>"
)
EDITOR_JS = (
    Path(__file__).resolve().parents[2] / "portal_theme/static/portal_theme/article_editor.js"
)


@pytest.fixture
def editor(department: Department) -> Client:
    return signed_in(make_staff("wanzhou", "editor@wanzhou.test", StaffRole.REVIEWER))


def post_rich_text(editor: Client, title: str, body: str) -> Article:
    response = editor.post("/console/articles/new/", {
        "category": "news", "title": title, "published_on": "2026-11-20",
        "body_format": "html", "body": body,
    })  # fmt: skip
    assert response.status_code == 302
    with schema_context("wanzhou"):
        return Article.objects.get(title=title)


def test_rich_text_is_stored_and_shown_sanitised(editor: Client) -> None:
    article = post_rich_text(editor, "信用承诺制度解读", POSTED)

    assert article.body_format == ArticleFormat.RICH_TEXT
    assert article.body == STORED
    page = client_for("wanzhou.localhost").get(f"/articles/{article.pk}/").content.decode()
    assert STORED in page
    for banned in ("<script", "onerror", "javascript:", "style=", "onclick", "<img"):
        assert banned not in page.split('data-testid="article-body"')[1]
    console = editor.get(f"/console/articles/{article.pk}/").content.decode()
    assert STORED in console  # the saved-content preview
    assert '<option value="html" selected>富文本</option>' in console


def test_markup_slipped_into_the_database_is_sanitised_again_on_the_portal(
    department: Department,
) -> None:
    with schema_context("wanzhou"):
        article = Article.objects.create(
            category="news", title="直接写入的文章", body_format=ArticleFormat.RICH_TEXT,
            body='<p onmouseover="x()">正文</p><script>alert(1)</script><a href="javascript:x()">链</a>',
            published_on="2026-11-20", updated_by="seed@wanzhou.test",
        )  # fmt: skip

    page = client_for("wanzhou.localhost").get(f"/articles/{article.pk}/").content.decode()

    assert '<p>正文</p><a rel="noopener noreferrer">链</a>' in page
    assert "alert(1)" not in page


def test_a_rich_text_article_renders_on_the_portal_article_page(editor: Client) -> None:
    article = post_rich_text(
        editor,
        "信用修复指引",
        "<h3>办理条件</h3><ol><li>已履行义务</li></ol><blockquote>提示</blockquote>",
    )

    response = client_for("wanzhou.localhost").get(f"/articles/{article.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h3>办理条件</h3><ol><li>已履行义务</li></ol><blockquote>提示</blockquote>" in page
    assert "信用修复指引" in client_for("wanzhou.localhost").get("/news/").content.decode()


def test_an_empty_rich_text_body_is_refused(editor: Client) -> None:
    response = editor.post("/console/articles/new/", {
        "category": "news", "title": "空白文章", "body_format": "html", "body": "<p><br></p>",
    })  # fmt: skip

    assert response.status_code == 200
    assert "请填写正文" in response.content.decode()
    with schema_context("wanzhou"):
        assert not Article.objects.filter(title="空白文章").exists()


def test_an_existing_markdown_article_is_unchanged(editor: Client) -> None:
    with schema_context("wanzhou"):
        article = Article.objects.create(
            category="laws", title="既有的Markdown文章", published_on="2026-11-20",
            body="## 第一条\n\n**公共信用信息**依法公开。\n\n[原文](https://www.gov.cn/)",
            updated_by="seed@wanzhou.test",
        )  # fmt: skip

    assert article.body_format == ArticleFormat.MARKDOWN
    page = client_for("wanzhou.localhost").get(f"/articles/{article.pk}/").content.decode()
    assert "<h2>第一条</h2>" in page
    assert "<p><strong>公共信用信息</strong>依法公开。</p>" in page
    assert 'href="https://www.gov.cn/" rel="noopener noreferrer nofollow"' in page
    console = editor.get(f"/console/articles/{article.pk}/").content.decode()
    assert '<option value="markdown" selected>Markdown</option>' in console


def test_markdown_is_still_the_default_format(editor: Client) -> None:
    page = editor.get("/console/articles/new/").content.decode()

    assert '<option value="markdown" selected>Markdown</option>' in page
    assert '<option value="html">富文本</option>' in page


def test_the_edit_page_loads_the_vendored_editor_and_nothing_external(editor: Client) -> None:
    page = editor.get("/console/articles/new/").content.decode()

    assert '<script src="/static/portal_theme/vendor/pell/pell.min.js" defer></script>' in page
    assert '<script src="/static/portal_theme/article_editor.js" defer></script>' in page
    assert 'href="/static/portal_theme/vendor/pell/pell.min.css"' in page
    assert "data-article-body" in page  # the textarea stays, usable without JavaScript
    assert "http://" not in page
    assert "//cdn" not in page
    for src in ('src="http', 'src="//', 'href="http', 'href="//'):
        assert src not in page


def test_the_editor_toolbar_has_chinese_titles() -> None:
    script = EDITOR_JS.read_text(encoding="utf-8")

    for title in ("加粗", "斜体", "下划线", "标题", "段落", "引用", "有序列表", "无序列表", "链接"):
        assert f'title: "{title}"' in script
    vendored = EDITOR_JS.parent / "vendor/pell"
    assert {p.name for p in vendored.iterdir()} >= {
        "pell.min.js",
        "pell.min.css",
        "LICENSE",
        "README.md",
    }
    assert "pell 1.0.6" in (vendored / "README.md").read_text(encoding="utf-8")
