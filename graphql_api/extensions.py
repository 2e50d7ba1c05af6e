"""Schema extensions of our own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from graphql import FieldNode, GraphQLError, get_named_type, is_introspection_type
from graphql.validation import ValidationRule
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


class NoAnonymousIntrospection(ValidationRule):
    """Refuses `__schema` and `__type` (graphql-core's NoSchemaIntrospectionCustomRule, with a
    Chinese message); `__typename` stays allowed."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        named = get_named_type(self.context.get_type())
        if named is not None and is_introspection_type(named):
            self.report_error(
                GraphQLError(
                    "本平台不向匿名调用方提供接口自省；接口说明见开发者文档中公布的接口定义",
                    node,
                    extensions={"code": "INTROSPECTION_DISABLED"},
                )
            )


class AnonymousIntrospectionGuard(SchemaExtension):
    """Outside DEBUG, an anonymous caller may not introspect the schema: the committed SDL is the
    public contract (issue 18, finding 11). Staff sessions, API keys and admitted exchange
    requests may."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        credentialed = any(
            getattr(context, name, None) is not None
            for name in ("user", "institution_key", "department_key", "grant")
        )
        if not settings.DEBUG and not credentialed:
            self.execution_context.validation_rules = (
                *self.execution_context.validation_rules,
                NoAnonymousIntrospection,
            )
        yield
