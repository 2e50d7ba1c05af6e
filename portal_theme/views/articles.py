"""法律法规, 政策指引 and 信用动态: public lists and pages; the console's editor for staff."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.common.errors import ApplicationError
from core.content.markdown import render as render_markdown
from core.content.models import Article, ArticleCategory
from core.content.selectors import articles_published
from core.content.services import ArticleDraft, article_save
from portal_theme.views.access import staff_with_role

SECTIONS = {
    "laws": ArticleCategory.LAWS,
    "policies": ArticleCategory.POLICIES,
    "news": ArticleCategory.NEWS,
}
EDITORS = (StaffRole.DISTRICT_ADMIN, StaffRole.REVIEWER)


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


class ArticleForm(forms.Form):
    category = forms.ChoiceField(label="栏目", choices=ArticleCategory.choices)
    title = forms.CharField(label="标题", max_length=200)
    source = forms.CharField(label="来源或发文机关", max_length=100, required=False)
    published_on = forms.DateField(label="发布日期（留空则不发布）", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    body = forms.CharField(label="正文（Markdown：## 小标题、**加粗**、- 列表、[链接](https://…)）",
                           widget=forms.Textarea(attrs={"rows": 16}))  # fmt: skip
    attachment = forms.FileField(label="附件（选填，PDF或图片）", required=False)


def _editor(request: HttpRequest) -> User:
    return staff_with_role(request, EDITORS, "只有区县管理员和审核员可以编辑门户文章")


@login_required
def console_articles(request: HttpRequest) -> HttpResponse:
    _editor(request)
    return render(request, "portal_theme/console/articles.html",
                  {"articles": Article.objects.order_by("-updated_at")[:200]})  # fmt: skip


@login_required
def console_article_edit(request: HttpRequest, article_id: int | None = None) -> HttpResponse:
    user = _editor(request)
    article = Article.objects.filter(pk=article_id).first() if article_id else None
    if article_id and article is None:
        raise Http404("没有这篇文章")
    initial = (
        {f: getattr(article, f) for f in ("category", "title", "source", "published_on", "body")}
        if article
        else {}
    )
    form = ArticleForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            upload = data.get("attachment")
            article_save(actor=user, article=article, attachment=upload,
                         attachment_name=upload.name if upload else "",
                         draft=ArticleDraft(data["category"], data["title"], data["body"], data["source"] or "",
                                            data.get("published_on")))  # fmt: skip
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("/console/articles/")
    preview = mark_safe(render_markdown(article.body)) if article else ""  # noqa: S308  (sanitised by nh3)
    return render(request, "portal_theme/console/article_edit.html",
                  {"form": form, "article": article, "preview": preview})  # fmt: skip
