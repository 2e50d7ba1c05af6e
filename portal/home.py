"""The portal's home page: the catalogue's categories, news and policies."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.catalog.selectors import catalog_category_list
from core.content.selectors import articles_published


def home(request: HttpRequest) -> HttpResponse:
    categories = catalog_category_list().prefetch_related("items")
    today = timezone.localdate()
    return render(request, "portal_theme/portal/home.html", {
        "categories": categories,
        "news": articles_published(categories=("news",), today=today, limit=5),
        "policies": articles_published(categories=("policies", "laws"), today=today, limit=5),
    })  # fmt: skip
