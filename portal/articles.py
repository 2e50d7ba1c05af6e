"""法律法规, 政策指引 and 信用动态 on the portal: each section's published articles and an article's
page (Markdown written by staff, sanitised)."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe

from core.content.markdown import render as render_markdown
from core.content.models import ArticleCategory
from core.content.selectors import articles_published

SECTIONS = {
    "laws": ArticleCategory.LAWS,
    "policies": ArticleCategory.POLICIES,
    "news": ArticleCategory.NEWS,
}


def article_list(request: HttpRequest, section: str) -> HttpResponse:
    category = SECTIONS.get(section)
    if category is None:
        raise Http404("没有这个栏目")
    rows = articles_published(categories=(category,), today=timezone.localdate())
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(request, "portal_theme/portal/articles.html",
                  {"title": category.label, "page": page, "section": section})  # fmt: skip


def article_page(request: HttpRequest, article_id: int) -> HttpResponse:
    article = (
        articles_published(categories=None, today=timezone.localdate())
        .filter(pk=article_id)
        .first()
    )
    if article is None:
        raise Http404("没有这篇文章")
    body = mark_safe(render_markdown(article.body))  # noqa: S308  (sanitised by nh3)
    attachment = default_storage.url(article.attachment) if article.attachment else ""
    return render(request, "portal_theme/portal/article.html",
                  {"article": article, "body": body, "attachment_url": attachment})  # fmt: skip
