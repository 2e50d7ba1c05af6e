"""The schema a district serves to other districts at /exchange/graphql/ (queries only)."""

from __future__ import annotations

import strawberry

from graphql_api.exchange.queries import ExchangeQuery
from graphql_api.schema_base import build_schema


@strawberry.type
class Query(ExchangeQuery):
    pass


schema = build_schema(query=Query)
