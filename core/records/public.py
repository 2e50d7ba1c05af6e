"""What the public may see of records: published, socially public catalogue items, organisations
only (natural persons' records leave the platform through consented reports)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from core.catalog.enums import Disclosure
from core.catalog.models import CatalogItem
from core.records.models import Record


def public_records(today: date, *, items_in_sql: bool = False) -> QuerySet[Record]:
    """`items_in_sql`: the socially public items as a subquery, not read now, for SQL that is kept
    and run again (graphql_api/records/compiled.py) and must follow a change of the catalogue.
    Otherwise as a list of ids (a handful): a join to the catalogue would leave the planner
    guessing about a table too small for autovacuum ever to analyse."""
    public = CatalogItem.objects.filter(disclosure=Disclosure.PUBLIC).values_list("id", flat=True)
    items = public if items_in_sql else list(public)
    return (
        Record.objects.publishable(today)
        .filter(catalog_item_id__in=items)
        .exclude(subject__kind="natural")
    )


def public_list(
    *, kind: str, today: date, name: str = "", year: int | None = None
) -> QuerySet[Record]:
    """A red or black list as published today, newest first, optionally by part of the name and
    the year of the decision."""
    rows = public_records(today).filter(kind=kind).select_related("subject")
    if name.strip():
        rows = rows.filter(subject__name__contains=name.strip())
    if year:
        rows = rows.filter(decision_date__year=year)
    return rows.order_by("-decision_date", "-id")
