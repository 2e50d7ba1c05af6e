"""What every schema gets: caches, limits, error masking, the Relay page-size cap, the optimiser."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import strawberry
from django.conf import settings
from graphql.validation import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry_django.optimizer import DjangoOptimizerExtension

from graphql_api.documents import limit_rules
from graphql_api.errors import should_mask_error
from graphql_api.extensions import AnonymousIntrospectionGuard, OperationTypeRecorder

CACHE_SIZE = 512


def build_schema(
    *, query: type, mutation: type | None = None, extra_extensions: list[Any] | None = None
) -> strawberry.Schema:
    # The depth and alias rules are built once, not once per request (graphql_api/documents.py).
    rules: list[type[ASTValidationRule]] = list(limit_rules())
    # Factories, not instances: each request gets fresh extension objects. The parse and validation
    # caches live at module level in strawberry, so every request shares them.
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        # Parsing and validating a document is a quarter of a small request's cost (STACK.md):
        # both are cached by document text, so repeated (and persisted) queries skip them.
        partial(ParserCache, maxsize=CACHE_SIZE),
        partial(ValidationCache, maxsize=CACHE_SIZE),
        partial(AddValidationRules, rules),
        partial(MaxTokensLimiter, max_token_count=settings.GRAPHQL_MAX_TOKENS),
        partial(MaskErrors, should_mask_error=should_mask_error, error_message="Unexpected error."),
        DjangoOptimizerExtension,
        OperationTypeRecorder,
        AnonymousIntrospectionGuard,
        *(extra_extensions or []),
    ]
    return strawberry.Schema(
        query=query,
        mutation=mutation,
        extensions=extensions,
        config=StrawberryConfig(relay_max_results=settings.GRAPHQL_MAX_PAGE_SIZE),
    )
