"""The upload's fast path for penalty and licence files: rows decided in SQL, not one by one
in Python.

A chunk's rows are COPYed into a temporary table as they are read (trimmed, by canonical field
code). One INSERT … SELECT turns every row that SQL can vouch for into a staged draft
(`RecordStage`), computing the same values `validate_row` would: the common case of a 双公示 file
(a legal person or individual business named by a valid 统一社会信用代码, ISO dates, plain 万元
amounts, known penalty or licence categories, 长期 licences). What depends on a handful of
distinct values per chunk (check characters, dates with their supply deadlines and publicity
windows, category lists) is decided in Python once per value and joined in. A penalty's field
(领域), which its free-text facts may decide, is decided in Python per row as the row is read (by
the function validate_row uses, cached per legal basis) and COPYed with it. Every row SQL does
not accept goes through `validate_row` as before, for its messages or for what SQL does not
decide (natural persons, legacy codes, other date formats, a requested publicity end, …); so SQL
only ever narrows the work, never the rules. tests/core/records/test_fastpath.py holds the two to the same drafts.

This module is the machinery (a chunk prepared and COPYed, its distinct values decided); the
statements per kind are in `core.records.fastpath_sql`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter

from django.db.backends.utils import CursorWrapper

from core.common.errors import ValidationFailed
from core.common.identifiers import mask_resident_id, normalise, uscc_problem
from core.common.pgcopy import copy_rows
from core.records.fastpath_sql import KINDS, LOOKUPS, SEALED, FastKind, q
from core.records.fields import PENALTY_CATEGORIES, SEVERITIES, HeaderMap
from core.records.staging import RecordStage
from core.records.validation import (
    ValidationContext,
    parse_date,
    penalty_sector,
    severity_by_categories,
    split_categories,
)
from core.subjects.protection import encrypt, lookup_hash


def _seal(number: str) -> tuple[str, str, str]:
    """An identity number as the fast path stores it: masked, its keyed hash, its ciphertext."""
    return mask_resident_id(number), lookup_hash(number), encrypt(number)


@dataclass
class Prepared:
    """A chunk ready for `FastPath.stage`."""

    numbers: list[int]
    buffer: io.StringIO
    codes: set[str] = field(default_factory=set)
    decided: set[str] = field(default_factory=set)  # decision dates
    days: set[str] = field(default_factory=set)  # other dates
    categories: set[str] = field(default_factory=set)
    sectors: set[str] = field(default_factory=set)


@dataclass
class FastPath:
    """One batch's fast path: the kind of file, its column layout, what was decided per value."""

    kind: FastKind
    ctx: ValidationContext
    department_id: int
    _picked: list[int] = field(default_factory=list)  # file column of each field, or -1
    _dates: dict[str, tuple[date, date | None] | None] = field(default_factory=dict)
    _categories: dict[str, tuple[str, str, bool] | None] = field(default_factory=dict)
    _windows: dict[tuple[date, str, str], tuple[str, bool, date, date] | None] = field(
        default_factory=dict
    )

    @classmethod
    def for_batch(
        cls, *, prefix: str, mapping: HeaderMap, ctx: ValidationContext, department_id: int
    ) -> FastPath | None:
        """A fast path for penalty and licence files whose columns each carry one field (a
        legacy file that spreads a field over two columns goes the ordinary way)."""
        kind = KINDS.get(prefix)
        if kind is None or len(set(mapping.columns.values())) != len(mapping.columns):
            return None
        column_of = {code: index for index, code in mapping.columns.items()}
        return cls(kind, ctx, department_id, [column_of.get(code, -1) for code in kind.codes])

    def row(self, cells: list[str]) -> list[str]:
        """A row's values, trimmed, in field-set order ("" for a field the file lacks)."""
        width = len(cells)
        return [cells[i].strip() if 0 <= i < width else "" for i in self._picked]

    def prepare(self, rows: Sequence[tuple[int, list[str]]]) -> Prepared:
        """A chunk's rows (source row number, cells as read) ready to COPY, with the distinct
        values to decide. Pure Python (no database): it may run while another chunk is stored."""
        buffer = io.StringIO()
        # CSV for speed (the C writer), with CRLF line ends so that a value holding a carriage
        # return or a line feed is quoted; an empty value is written bare, which COPY's CSV reads
        # as NULL (as validate_row, which keeps only what has a value).
        writer = csv.writer(buffer, lineterminator="\r\n")
        prepared = Prepared(numbers=[number for number, _ in rows], buffer=buffer)
        at = {code: i for i, code in enumerate(self.kind.codes)}
        code_at = [at[code] for code in self.kind.code_fields]
        dates_at = [at[code] for code in self.kind.dates]
        decided_at = at["JDRQ"]
        category_at = at[self.kind.category] if self.kind.category else None
        sealed_at = [at[code] for code in SEALED]
        sector_from = self.kind.sector_from
        sector_of = itemgetter(*(at[code] for code in sector_from)) if sector_from else None
        codes, decided, days = prepared.codes, prepared.decided, prepared.days
        categories, sectors = prepared.categories, prepared.sectors
        # A person's number repeats on every row of their company: masked, hashed and encrypted
        # once a chunk (one ciphertext for equal numbers reveals no more than their keyed hash).
        seals: dict[str, tuple[str, str, str]] = {}
        for number, cells in rows:
            values = self.row(cells)
            extra: list[str] = []  # the kind's extra columns
            for i in sealed_at:
                person = values[i]
                if person:
                    if (seal := seals.get(person)) is None:
                        seal = seals[person] = _seal(person)
                    values[i] = seal[0]
                    extra += seal[1:]
                else:
                    extra += ["", ""]
            if sector_of is not None:
                sector = penalty_sector(*sector_of(values)) or ("", "")
                sectors.add(sector[0])
                extra += sector
            writer.writerow([number, *values, *extra])
            codes.update(values[i] for i in code_at)
            decided.add(values[decided_at])
            days.update(values[i] for i in dates_at)
            if category_at is not None:
                categories.add(values[category_at])
        return prepared

    def stage(self, cursor: CursorWrapper, stage: RecordStage, prepared: Prepared) -> set[int]:
        """Stage as drafts the rows SQL accepts; returns their row numbers. The others are the
        caller's to validate."""
        columns = [*self.kind.codes, *self.kind.extra]
        cursor.execute(
            "CREATE TEMP TABLE tmp_raw (pos integer, "
            + ", ".join(f"{q(c)} text" for c in columns)
            + ") ON COMMIT DROP"
        )
        prepared.buffer.seek(0)
        cursor.cursor.copy_expert(
            f"COPY tmp_raw (pos, {', '.join(map(q, columns))}) FROM STDIN WITH (FORMAT csv)",
            prepared.buffer,
        )
        self._lookups(cursor, prepared)
        cursor.execute(
            self.kind.drafts,
            {
                "item": stage.catalog_item(self.kind.item_code),
                "department": self.department_id,
                "today": self.ctx.supplied_on,
                "check_source": self.ctx.check_source,
                "department_code": self.ctx.department_code,
            },
        )
        accepted = [int(pos) for (pos,) in cursor.fetchall()]
        stage.added(accepted)
        cursor.execute(
            "DROP TABLE tmp_raw, tmp_fp_code, tmp_fp_date, tmp_fp_category, tmp_fp_window"
        )
        return set(accepted)

    def _lookups(self, cursor: CursorWrapper, prepared: Prepared) -> None:
        """The chunk's distinct values, decided (the penalty's categories and windows only for
        penalty files)."""
        decided = prepared.decided
        cursor.execute("; ".join(LOOKUPS))  # one round trip
        copy_rows(cursor, "tmp_fp_code", ("code",), ((c,) for c in prepared.codes if self._code(c)))
        dated = {iso: self._date(iso, iso in decided) for iso in prepared.days | decided}
        copy_rows(
            cursor,
            "tmp_fp_date",
            ("iso", "d", "deadline"),
            ((iso, *known) for iso, known in dated.items() if known is not None),
        )
        if self.kind.category is None:
            return
        parsed = {raw: self._category(raw) for raw in prepared.categories}
        copy_rows(
            cursor,
            "tmp_fp_category",
            ("raw", "joined", "severity", "fine_required"),
            ((raw, *known) for raw, known in parsed.items() if known is not None),
        )
        windows = {
            (known[0], severity, sector): self._window(known[0], severity, sector)
            for iso in decided
            if (known := dated.get(iso)) is not None and known[1] is not None
            for severity in SEVERITIES.values()
            for sector in prepared.sectors
        }
        copy_rows(
            cursor,
            "tmp_fp_window",
            ("d", "severity", "sector", "regime_code", "published", "repair_from", "end_on"),
            ((*key, *known) for key, known in windows.items() if known is not None),
        )

    @staticmethod
    def _code(value: str) -> bool:
        # Not kept per batch (a file names as many companies as it has rows / 4): the check is
        # cached, bounded, by uscc_problem, and a chunk asks once per distinct code.
        return normalise(value) == value and uscc_problem(value) is None

    def _date(self, iso: str, decision: bool) -> tuple[date, date | None] | None:
        """An ISO date (the only form SQL takes) and, for a decision date on or before the day of
        supply, its supply deadline."""
        if iso not in self._dates:
            day = parse_date(iso) if len(iso) == 10 and iso[4] == "-" and iso[7] == "-" else None
            deadline = None
            if day is not None and day <= self.ctx.supplied_on:
                try:
                    deadline = self.ctx.calendar.add_working_days(
                        day, self.ctx.deadline_working_days
                    )
                except ValueError:  # outside the calendar read: validate_row says what to do
                    deadline = None
            self._dates[iso] = (day, deadline) if day is not None else None
        known = self._dates[iso]
        if known is None:
            return None
        return known if decision else (known[0], None)

    def _category(self, raw: str) -> tuple[str, str, bool] | None:
        """Joined text, severity by category and whether a fine is required; None unless every
        category is known."""
        if raw not in self._categories:
            listed = split_categories(raw)
            known = bool(listed) and all(c in PENALTY_CATEGORIES for c in listed)
            self._categories[raw] = (
                ("、".join(listed), severity_by_categories(listed), "罚款" in listed)
                if known
                else None
            )
        return self._categories[raw]

    def _window(self, day: date, severity: str, sector: str) -> tuple[str, bool, date, date] | None:
        key = (day, severity, sector)
        if key not in self._windows:
            try:
                window = self.ctx.rules.window(decision_date=day, severity=severity, sector=sector)
            except ValidationFailed:
                self._windows[key] = None
            else:
                self._windows[key] = (
                    window.regime_code,
                    window.published,
                    window.repair_from,
                    window.end,
                )
        return self._windows[key]
