"""门户文章: reviewers and the district admin write the portal's articles (法律法规, 政策指引,
信用动态) in Markdown or in the rich-text editor (pell, vendored; HTML kept to an allow-list), with
an attachment, and publish them by giving a date."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from console.access import staff_permitted
from core.common.forms import date_input, form_submit
from core.content.models import Article, ArticleCategory, ArticleFormat
from core.content.permissions import ARTICLE_EDIT
from core.content.services import ArticleDraft, article_delete, article_save


class ArticleForm(forms.Form):
    category = forms.ChoiceField(label="栏目", choices=ArticleCategory.choices)
    title = forms.CharField(label="标题", max_length=200)
    source = forms.CharField(label="来源或发文机关", max_length=100, required=False)
    document_number = forms.CharField(label="文号（选填）", max_length=60, required=False)
    published_on = forms.DateField(label="发布日期（留空则不发布）", required=False,
                                   widget=date_input())  # fmt: skip
    # Not given (a form from before the choice): Markdown, as every article was then.
    body_format = forms.TypedChoiceField(label="正文格式", choices=ArticleFormat.choices, required=False,
                                         initial=ArticleFormat.MARKDOWN, empty_value=ArticleFormat.MARKDOWN)  # fmt: skip
    # Without JavaScript this textarea is the editor (Markdown, or HTML for 富文本); with it,
    # article_editor.js shows the rich-text editor for 富文本 and writes its HTML back here.
    body = forms.CharField(label="正文（Markdown：## 小标题、**加粗**、- 列表、[链接](https://…)；富文本：HTML）",
                           widget=forms.Textarea(attrs={"rows": 16, "data-article-body": ""}))  # fmt: skip
    attachment = forms.FileField(label="附件（选填，PDF或图片）", required=False)


EDITED = ("category", "title", "source", "document_number", "published_on", "body_format", "body")


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
    initial = {f: getattr(article, f) for f in EDITED} if article else {}
    if article is not None and request.method == "POST" and "delete" in request.POST:
        article_delete(actor=user, article=article)
        return redirect("/console/articles/")
    form = ArticleForm(request.POST or None, request.FILES or None, initial=initial)

    def save(data: dict[str, Any]) -> HttpResponse:
        upload = data.get("attachment")
        article_save(actor=user, article=article, attachment=upload,
                     attachment_name=upload.name if upload else "",
                     draft=ArticleDraft(data["category"], data["title"], data["body"], data["source"] or "",
                                        data.get("published_on"), data.get("document_number") or "",
                                        data["body_format"]))  # fmt: skip
        return redirect("/console/articles/")

    if response := form_submit(request, form, save):
        return response
    preview = article.body_html() if article else ""
    return render(request, "portal_theme/console/article_edit.html",
                  {"form": form, "article": article, "preview": preview})  # fmt: skip
