"""门户文章: reviewers and the district admin write the portal's articles (法律法规, 政策指引,
信用动态) in Markdown, with an attachment, and publish them by giving a date."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe

from console.access import staff_permitted
from core.common.forms import form_submit
from core.content.markdown import render as render_markdown
from core.content.models import Article, ArticleCategory
from core.content.permissions import ARTICLE_EDIT
from core.content.services import ArticleDraft, article_save


class ArticleForm(forms.Form):
    category = forms.ChoiceField(label="栏目", choices=ArticleCategory.choices)
    title = forms.CharField(label="标题", max_length=200)
    source = forms.CharField(label="来源或发文机关", max_length=100, required=False)
    published_on = forms.DateField(label="发布日期（留空则不发布）", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    body = forms.CharField(label="正文（Markdown：## 小标题、**加粗**、- 列表、[链接](https://…)）",
                           widget=forms.Textarea(attrs={"rows": 16}))  # fmt: skip
    attachment = forms.FileField(label="附件（选填，PDF或图片）", required=False)


@login_required
def console_articles(request: HttpRequest) -> HttpResponse:
    staff_permitted(request, ARTICLE_EDIT)
    return render(request, "portal_theme/console/articles.html",
                  {"articles": Article.objects.order_by("-updated_at")[:200]})  # fmt: skip


@login_required
def console_article_edit(request: HttpRequest, article_id: int | None = None) -> HttpResponse:
    user = staff_permitted(request, ARTICLE_EDIT)
    article = Article.objects.filter(pk=article_id).first() if article_id else None
    if article_id and article is None:
        raise Http404("没有这篇文章")
    initial = (
        {f: getattr(article, f) for f in ("category", "title", "source", "published_on", "body")}
        if article
        else {}
    )
    form = ArticleForm(request.POST or None, request.FILES or None, initial=initial)

    def save(data: dict[str, Any]) -> HttpResponse:
        upload = data.get("attachment")
        article_save(actor=user, article=article, attachment=upload,
                     attachment_name=upload.name if upload else "",
                     draft=ArticleDraft(data["category"], data["title"], data["body"], data["source"] or "",
                                        data.get("published_on")))  # fmt: skip
        return redirect("/console/articles/")

    if response := form_submit(request, form, save):
        return response
    preview = mark_safe(render_markdown(article.body)) if article else ""  # noqa: S308  (sanitised by nh3)
    return render(request, "portal_theme/console/article_edit.html",
                  {"form": form, "article": article, "preview": preview})  # fmt: skip
