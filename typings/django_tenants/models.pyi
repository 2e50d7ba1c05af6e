# Local stubs for the parts of django-tenants 4.0 this project uses (the package ships no types).
from typing import Any

from django.db import models

class TenantMixin(models.Model):
    auto_drop_schema: bool
    auto_create_schema: bool
    clone_mode: str
    schema_name: str
    domain_url: str | None
    def create_schema(
        self, check_if_exists: bool = ..., sync_schema: bool = ..., verbosity: int = ...
    ) -> bool: ...

class DomainMixin(models.Model):
    domain: str
    tenant: Any
    is_primary: bool
