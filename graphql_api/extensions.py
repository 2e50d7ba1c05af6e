"""Schema extensions of our own."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from tenants.enums import DistrictStatus


class ArchivedDistrictGuard(SchemaExtension):
    """An archived district is read-only: every mutation is refused before it runs."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        district = getattr(context, "district", None)
        if (
            district is not None
            and district.status == DistrictStatus.ARCHIVED
            and self.execution_context.operation_type == OperationType.MUTATION
        ):
            self.execution_context.result = None
            raise GraphQLError(
                f"{district.name}信用平台已归档，只能查询，不能修改",
                extensions={"code": "DISTRICT_ARCHIVED"},
            )
        yield


class OperationTypeRecorder(SchemaExtension):
    """Notes on the request whether the operation was a query, so the view may cache its answer."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        request = getattr(context, "request", None)
        if request is not None:
            request.graphql_operation_type = self.execution_context.operation_type
        yield
