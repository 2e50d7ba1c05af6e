"""The schema served on the operator's domain."""

from __future__ import annotations

import strawberry

from graphql_api.accounts.queries import AccountsQuery
from graphql_api.schema_base import build_schema
from graphql_api.tenants.mutations import TenantsMutation
from graphql_api.tenants.queries import TenantsQuery


@strawberry.type
class Query(TenantsQuery, AccountsQuery):
    pass


@strawberry.type
class Mutation(TenantsMutation):
    pass


schema = build_schema(query=Query, mutation=Mutation)
