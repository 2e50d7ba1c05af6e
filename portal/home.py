"""The portal's home page: the search, news and policies, the red and black lists' newest entries,
the service entries and the catalogue's categories."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.catalog.selectors import catalog_category_list
from core.content.selectors import articles_published
from core.records.public import public_list

HOME_LIST_ROWS = 5


def home(request: HttpRequest) -> HttpResponse:
    categories = catalog_category_list().prefetch_related("items")
    today = timezone.localdate()
    return render(request, "portal_theme/portal/home.html", {
        "categories": categories,
        "news": articles_published(categories=("news",), today=today, limit=5),
        "policies": articles_published(categories=("policies", "laws"), today=today, limit=5),
        "lists": [(key, public_list(kind=kind, today=today)[:HOME_LIST_ROWS])
                  for key, kind in (("red", "red_list"), ("black", "black_list"))],
    })  # fmt: skip
