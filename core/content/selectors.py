"""Reads of a district's theme and articles."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from core.common.tenancy import current_schema
from core.content.models import Article, Theme


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
