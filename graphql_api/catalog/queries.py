from __future__ import annotations

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry_django.relay import DjangoListConnection

from core.catalog.models import CatalogCategory
from core.catalog.selectors import catalog_category_list
from graphql_api.catalog.types import CatalogCategoryType
from graphql_api.context import Info

__all__ = ["CatalogQuery"]


@strawberry.type
class CatalogQuery:
    @strawberry_django.connection(
        DjangoListConnection[CatalogCategoryType],  # type: ignore[type-var]
        description="The district's information catalogue, by category.",
    )
    def catalog_categories(self, info: Info) -> QuerySet[CatalogCategory]:
        return catalog_category_list()
