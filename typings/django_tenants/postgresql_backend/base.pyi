# What core/common/dbbackend/base.py uses of django-tenants' backend.
from typing import Any

from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper

class DatabaseWrapper(PostgresDatabaseWrapper):
    search_path_set_schemas: list[str] | None
    _setting_search_path: bool
    schema_name: str
    def set_tenant(self, tenant: Any, include_public: bool = ...) -> None: ...
    def _handle_search_path(self, cursor: Any = ...) -> None: ...
    def _get_cursor_search_paths(self) -> list[str]: ...

def _check_schema_name(name: str) -> None: ...
