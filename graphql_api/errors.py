"""Which errors reach the client as they are."""

from __future__ import annotations

import re

from graphql import GraphQLError

from core.common.errors import ApplicationError

# strawberry's Relay helpers raise ValueError for page sizes over the cap; that message is for the client.
_PAGINATION_LIMIT = re.compile(r"^Argument '(first|last)' cannot be higher than \d+\.$")


def should_mask_error(error: GraphQLError) -> bool:
    """Mask every unexpected exception; show validation errors and ApplicationErrors as they are."""
    original = error.original_error
    if original is None or isinstance(original, (ApplicationError, GraphQLError)):
        return False
    return not (isinstance(original, ValueError) and _PAGINATION_LIMIT.match(str(original)))
