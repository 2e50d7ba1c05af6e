"""Reads of the catalogue."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from core.catalog.models import CatalogCategory


def catalog_category_list() -> QuerySet[CatalogCategory]:
    """Categories of the current district's catalogue with their active item counts."""
    return (
        CatalogCategory.objects.select_related("version")
        .annotate(active_items=Count("items", filter=Q(items__is_active=True)))
        .order_by("version__effective_from", "number")
    )
