"""Errors that are safe to show to a user: a stable code, a Chinese message, the field at fault.

Services raise these; the console shows the message, GraphQL returns it unmasked with its code, and
management commands print it. Anything else is a bug and is masked as "Unexpected error." by GraphQL.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A failure the caller can understand and act on."""

    code = "INVALID"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
        self.details = details or {}

    @property
    def extensions(self) -> dict[str, Any]:
        """Read by graphql-core: a GraphQLError takes `extensions` from its original error."""
        data: dict[str, Any] = {"code": self.code}
        if self.field:
            data["field"] = self.field
        return data

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        if self.details:
            data["details"] = self.details
        return data


class ValidationFailed(ApplicationError):
    code = "INVALID"


class NotFound(ApplicationError):
    code = "NOT_FOUND"


class PermissionDenied(ApplicationError):
    code = "FORBIDDEN"


class Conflict(ApplicationError):
    code = "CONFLICT"


class ServiceUnavailable(ApplicationError):
    code = "UNAVAILABLE"
