"""Every model declares where its table lives: the public schema, each district's schema, or both.

`tests/architecture/test_placement.py` checks the declaration against SHARED_APPS / TENANT_APPS and
against the tables that really exist, like Sentry's silo decorators.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=type[models.Model])

PLACEMENT_ATTR = "schema_placement"


class Placement(StrEnum):
    PUBLIC = "public"
    DISTRICT = "district"
    BOTH = "both"


def _mark(cls: M, placement: Placement) -> M:
    setattr(cls, PLACEMENT_ATTR, placement)
    return cls


def public_model(cls: M) -> M:
    """The table lives in the public schema only (operator data kept *about* districts)."""
    return _mark(cls, Placement.PUBLIC)


def district_model(cls: M) -> M:
    """The table lives in every district schema (data the district edits or owns)."""
    return _mark(cls, Placement.DISTRICT)


def everywhere_model(cls: M) -> M:
    """The table lives in public and in every district (accounts: a login belongs to one schema)."""
    return _mark(cls, Placement.BOTH)


def placement_of(model: type[models.Model]) -> Placement | None:
    value = getattr(model, PLACEMENT_ATTR, None)
    return value if isinstance(value, Placement) else None
