"""The credit laws, regulations and policy documents a district's 法律法规 and 政策指引 start with
(data/credit_documents.toml): onboarding seeds them, migration 0004 seeds the districts that existed
before. Idempotent: a document whose title is already there is skipped, so staff edits stay."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "credit_documents.toml"
SEEDED_BY = "平台预置"


@dataclass(frozen=True)
class CreditDocument:
    category: str
    title: str
    source: str
    url: str
    body: str
    number: str = ""
    date: date | None = None  # None: not known to the day; published on the day it is seeded


@cache
def credit_documents() -> tuple[CreditDocument, ...]:
    with DATA.open("rb") as handle:
        raw = tomllib.load(handle)
    return tuple(
        CreditDocument(
            category=row["category"],
            title=row["title"],
            source=row["source"],
            url=row["url"],
            body=row["body"].strip(),
            number=row.get("number", ""),
            date=row.get("date"),
        )
        for row in raw["documents"]
    )


def credit_documents_seed(*, article_model: Any, today: date) -> int:
    """Add the documents missing (by title) from the current schema; return how many were added.
    `article_model` is core.content's Article, or its historical version inside a migration."""
    existing = set(article_model.objects.values_list("title", flat=True))
    missing = [d for d in credit_documents() if d.title not in existing]
    article_model.objects.bulk_create(
        [
            article_model(
                category=d.category,
                title=d.title,
                source=d.source,
                document_number=d.number,
                published_on=d.date or today,
                body=d.body,
                updated_by=SEEDED_BY,
            )
            for d in missing
        ]
    )
    return len(missing)
