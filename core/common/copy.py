"""PostgreSQL COPY for set-based writes: rows go into a temporary table in one round trip, and
INSERT … SELECT / UPDATE … FROM statements take them from there."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.backends.utils import CursorWrapper


def copy_rows(
    cursor: CursorWrapper, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """COPY `rows` into `table` (a temporary table created by the caller). None becomes NULL."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(["\\N" if v is None else v for v in row])
    buffer.seek(0)
    cursor.cursor.copy_expert(  # psycopg2's COPY; the wrapper does not expose it
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
    )
