from __future__ import annotations

import strawberry_django
from strawberry import auto

from core.catalog.models import CatalogCategory, CatalogItem, CatalogVersion

__all__ = ["CatalogCategoryType", "CatalogItemType", "CatalogVersionType"]


@strawberry_django.type(
    CatalogVersion, name="CatalogVersion", description="An edition of the catalogue."
)
class CatalogVersionType:
    code: auto = strawberry_django.field(description="Version code, e.g. national-2021.")
    name: auto = strawberry_django.field(description="Title of the edition.")
    source: str = strawberry_django.field(description="national or district.")
    effective_from: auto = strawberry_django.field(description="Date it took effect.")


@strawberry_django.type(CatalogItem, name="CatalogItem", description="One item of information.")
class CatalogItemType:
    code: auto = strawberry_django.field(description="Item code, e.g. N03-02.")
    name: auto = strawberry_django.field(description="Item name, e.g. 行政处罚信息.")
    disclosure: str = strawberry_django.field(description="public, authorised or government.")
    subject_scope: str = strawberry_django.field(description="legal, natural or all.")
    is_active: auto = strawberry_django.field(description="Whether records may use the item.")


@strawberry_django.type(
    CatalogCategory, name="CatalogCategory", description="A kind of information."
)
class CatalogCategoryType:
    number: auto = strawberry_django.field(
        description="Number within its edition (1–11 nationally)."
    )
    name: auto = strawberry_django.field(description="Category name.")
    version: CatalogVersionType = strawberry_django.field(description="The edition.")
    items: list[CatalogItemType] = strawberry_django.field(description="Items in this category.")
