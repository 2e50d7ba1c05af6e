"""Reads for the portal and the console."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.http import HttpRequest

from core.common.tenancy import current_schema
from core.reports.services import ReportSite
from portal_theme.models import Article, Theme


def theme_get_current() -> Theme | None:
    """The current district schema's theme (None in the public schema)."""
    if current_schema() == "public":
        return None
    return Theme.objects.first()


def articles_published(
    *, categories: tuple[str, ...] | None, today: date, limit: int | None = None
) -> QuerySet[Article]:
    """Published articles (publication date reached), newest first; of `categories` if given."""
    rows = Article.objects.filter(published_on__isnull=False, published_on__lte=today)
    if categories:
        rows = rows.filter(category__in=categories)
    rows = rows.order_by("-published_on", "-id")
    return rows[:limit] if limit else rows


def report_site(request: HttpRequest) -> ReportSite:
    """The platform's name (its theme) and this district's verification page, as the report states."""
    theme = theme_get_current()
    platform = theme.platform_name if theme else "公共信用信息平台"
    return ReportSite(platform, request.build_absolute_uri("/reports/verify/"))
