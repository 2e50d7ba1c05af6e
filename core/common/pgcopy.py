"""PostgreSQL COPY for set-based writes: rows go into a temporary table in one round trip, and
INSERT … SELECT / UPDATE … FROM statements take them from there.

COPY's text format: NULL is `\\N`, and a value's backslashes, tabs, line feeds and carriage
returns are escaped, so every string (one that is exactly `\\N`, one with a stray carriage return
from an old Mac spreadsheet) arrives as it was."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.backends.utils import CursorWrapper

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_rows(
    cursor: CursorWrapper, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """COPY `rows` into `table` (a temporary table created by the caller). None becomes NULL."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v).translate(_ESCAPES) for v in row))
        buffer.write("\n")
    buffer.seek(0)
    cursor.cursor.copy_expert(  # psycopg2's COPY; the wrapper does not expose it
        f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer
    )
