"""The schema served on every district's domain."""

from __future__ import annotations

import strawberry

from graphql_api import descriptions_zh
from graphql_api.accounts.queries import AccountsQuery
from graphql_api.billing.mutations import BillingMutation
from graphql_api.billing.queries import BillingQuery
from graphql_api.catalog.queries import CatalogQuery
from graphql_api.collection.mutations import CollectionMutation
from graphql_api.discipline.mutations import DisciplineMutation
from graphql_api.discipline.queries import DisciplineQuery
from graphql_api.extensions import ArchivedDistrictGuard
from graphql_api.portal.mutations import PortalMutation
from graphql_api.portal.queries import PortalQuery
from graphql_api.records.queries import RecordsQuery
from graphql_api.schema_base import build_schema


@strawberry.type
class Query(PortalQuery, CatalogQuery, RecordsQuery, AccountsQuery, BillingQuery, DisciplineQuery):
    pass


@strawberry.type
class Mutation(PortalMutation, CollectionMutation, BillingMutation, DisciplineMutation):
    pass


schema = build_schema(query=Query, mutation=Mutation, extra_extensions=[ArchivedDistrictGuard])
# What institutions and department systems read (SDL, introspection, /developers/) is Chinese.
descriptions_zh.apply(schema._schema)
