"""What every log line of the current request or task carries (request id, district, user, task).

One context variable holds an immutable mapping; middleware and Celery signals bind fields and
reset to the token they got, so nothing leaks from one request or task into the next one served
by the same thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar, Token
from types import MappingProxyType

_EMPTY: Mapping[str, object] = MappingProxyType({})
_fields: ContextVar[Mapping[str, object]] = ContextVar("credit_log_fields", default=_EMPTY)


def log_context() -> Mapping[str, object]:
    """The fields bound now (empty outside a request or task)."""
    return _fields.get()


def log_context_bind(**fields: object) -> Token[Mapping[str, object]]:
    """Add `fields` to the current context; returns the token that undoes this and later binds."""
    return _fields.set(MappingProxyType({**_fields.get(), **fields}))


def log_context_reset(token: Token[Mapping[str, object]]) -> None:
    _fields.reset(token)
