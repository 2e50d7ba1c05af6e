"""Writes for the catalogue."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction

from core.catalog.models import CatalogCategory, CatalogItem, CatalogVersion

NATIONAL_CATALOGUE_FILE = Path(__file__).parent / "data" / "national_2021.json"


@cache
def _national_catalogue() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(NATIONAL_CATALOGUE_FILE.read_text(encoding="utf-8"))
    return data


@transaction.atomic
def catalog_seed_national() -> CatalogVersion:
    """Load the national base catalogue into the current district schema. Idempotent."""
    data = _national_catalogue()
    version, created = CatalogVersion.objects.get_or_create(
        code=data["code"],
        defaults={
            "name": data["name"],
            "source": data["source"],
            "effective_from": date.fromisoformat(data["effective_from"]),
            "basis": data["basis"],
        },
    )
    if not created:
        return version
    categories = CatalogCategory.objects.bulk_create(
        [
            CatalogCategory(version=version, number=c["number"], name=c["name"])
            for c in data["categories"]
        ]
    )
    CatalogItem.objects.bulk_create(
        [
            CatalogItem(
                category=category,
                code=item["code"],
                name=item["name"],
                disclosure=item["disclosure"],
                subject_scope=item["subject_scope"],
            )
            for category, raw in zip(categories, data["categories"], strict=True)
            for item in raw["items"]
        ]
    )
    return version
