"""django-tenants' PostgreSQL backend, without two round trips per request (issue 25).

- **The search path is set only when it changes.** django-tenants sent `SET search_path` before
  every query (each new cursor) unless TENANT_LIMIT_SET_CALLS is on, and even then again
  whenever a request names its district (`set_tenant`), also when the connection already had
  that district's path from the previous request. With TENANT_LIMIT_SET_CALLS (settings), this
  backend remembers the path the server connection has, and forgets it whenever django-tenants
  does for a reason that touches the server (closing, rolling back, rolling back to a savepoint,
  a failed SET). Code that sets the path itself in SQL calls `search_path_changed()` after.
- **A reused connection is checked without a round trip.** `CONN_HEALTH_CHECKS` sent `SELECT 1`
  before the first query of every request. Nothing arrives on an idle connection unasked except
  what the server says before it closes it (a restart, an administrator's termination, an idle
  timeout: a FATAL message, then the end of the stream). So a connection with nothing to read is
  used as it is; one with something to read gets Django's `SELECT 1`, which fails and reconnects.
  The first requests after a PostgreSQL restart still succeed (tests/infra/test_resilience.py).
"""

from __future__ import annotations

import select
from typing import Any

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from psycopg2.extensions import TRANSACTION_STATUS_IDLE  # type: ignore[import-untyped]


class DatabaseWrapper(TenantDatabaseWrapper):
    # What the server connection's search path is known to be (the parent's __init__ already
    # calls set_tenant, hence a class attribute).
    search_path_on_server: list[str] | None = None

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        super().set_tenant(tenant, include_public)
        if self.search_path_on_server == self._get_cursor_search_paths():
            self.search_path_set_schemas = self.search_path_on_server

    def _handle_search_path(self, cursor: Any = None) -> None:
        super()._handle_search_path(cursor)
        if not self._setting_search_path:
            self.search_path_on_server = self.search_path_set_schemas

    def search_path_changed(self) -> None:
        """The path was set by hand in SQL: set it again before the next query."""
        self.search_path_on_server = self.search_path_set_schemas = None

    # Forgotten after, not before: getting the cursor for ROLLBACK TO SAVEPOINT can SET the path
    # inside the savepoint, which the rollback then takes back.
    def close(self) -> None:
        try:
            super().close()
        finally:
            self.search_path_on_server = None

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.search_path_on_server = None

    def savepoint_rollback(self, sid: Any) -> None:
        try:
            super().savepoint_rollback(sid)
        finally:
            self.search_path_on_server = None

    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        if self.connection.get_transaction_status() != TRANSACTION_STATUS_IDLE:
            return bool(super().is_usable())
        waiting = select.poll()
        waiting.register(self.connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
        if waiting.poll(0):
            return bool(super().is_usable())
        return True
