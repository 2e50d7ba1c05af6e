"""What every schema gets: caches, limits, error masking, the Relay page-size cap, the optimiser."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import strawberry
from django.conf import settings
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry_django.optimizer import DjangoOptimizerExtension

from graphql_api.errors import should_mask_error


def build_schema(
    *, query: type, mutation: type | None = None, extra_extensions: list[Any] | None = None
) -> strawberry.Schema:
    # Factories, not instances: each request gets fresh extension objects. The parse and validation
    # caches live at module level in strawberry, so they are still shared by every request.
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        # Parsing and validating a document is a quarter of a small request's cost (STACK.md):
        # both are cached by document text, so repeated (and persisted) queries skip them.
        partial(ParserCache, maxsize=512),
        partial(ValidationCache, maxsize=512),
        partial(QueryDepthLimiter, max_depth=settings.GRAPHQL_MAX_DEPTH),
        partial(MaxTokensLimiter, max_token_count=settings.GRAPHQL_MAX_TOKENS),
        partial(MaxAliasesLimiter, max_alias_count=settings.GRAPHQL_MAX_ALIASES),
        partial(MaskErrors, should_mask_error=should_mask_error, error_message="Unexpected error."),
        DjangoOptimizerExtension,
        *(extra_extensions or []),
    ]
    return strawberry.Schema(
        query=query,
        mutation=mutation,
        extensions=extensions,  # type: ignore[arg-type]
        config=StrawberryConfig(relay_max_results=settings.GRAPHQL_MAX_PAGE_SIZE),
    )
