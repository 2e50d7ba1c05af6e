"""The public portal's pages (server-rendered, Chinese first)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.catalog.selectors import catalog_category_list


def home(request: HttpRequest) -> HttpResponse:
    categories = catalog_category_list().prefetch_related("items")
    return render(request, "portal_theme/portal/home.html", {"categories": categories})
