"""The upload's fast path for penalty files: rows decided in SQL, not one by one in Python.

A chunk's rows are COPYed into a temporary table as they are read (trimmed, by canonical field
code). One INSERT … SELECT turns every row that SQL can vouch for into a staged draft
(`RecordStage`), computing the same values `validate_row` would: the common case of a 双公示
penalty file (a legal person or individual business named by a valid 统一社会信用代码, ISO dates,
plain 万元 amounts, known penalty categories). What depends on a handful of distinct values per
chunk (check characters, dates with their supply deadlines and publicity windows, category lists)
is decided in Python once per value and joined in. Every row SQL does not accept goes through
`validate_row` as before, for its messages or for what SQL does not decide (natural persons,
legacy codes, other date formats, a requested publicity end, …); so SQL only ever narrows the
work, never the rules. tests/core/collection/test_fastpath.py holds the two to the same drafts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.backends.utils import CursorWrapper

from core.collection.fields import (
    FIELD_SETS,
    PENALTY_CATEGORIES,
    SEVERITIES,
    SUBJECT_CATEGORIES,
    HeaderMap,
)
from core.collection.validation import (
    _CATEGORY_SPLIT,
    ALIAS_FIELDS,
    SEALED_FIELDS,
    ValidationContext,
    _severity,
    parse_date,
)
from core.common.copy import copy_rows
from core.common.errors import ValidationFailed
from core.common.identifiers import mask_resident_id, normalise, uscc_problem
from core.records.services import RecordStage
from core.subjects.protection import encrypt, lookup_hash

PREFIX = "CF"
CODES = [spec.code for spec in FIELD_SETS[PREFIX]]
# A row SQL accepts has these empty: an identity number is checked (and protected) in Python,
# legacy codes become aliases there, a requested publicity end is checked against the rules there.
LEFT_TO_PYTHON = ["XDR_ZJHM", "GSJZQ", *ALIAS_FIELDS]
# Sealed fields the fast path takes: the reader masks each value in place and passes its keyed hash
# and its ciphertext in two more columns (validate_row's `seal`, done before COPY).
SEALED = sorted(code for code in SEALED_FIELDS if code not in LEFT_TO_PYTHON)
EXTRA = [f"{code}{suffix}" for code in SEALED for suffix in ("_HASH", "_SEALED")]
# What a subject category means for the fast path: only subjects named by their credit code.
CODE_SUBJECTS = {label: kind for label, kind in SUBJECT_CATEGORIES.items() if kind != "natural"}
AMOUNT = r"^[0-9]{1,10}(\.[0-9]{1,6})?$"  # 万元: under 10^10, at most 6 decimals, no sign


def _q(code: str) -> str:
    return f'"{code}"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fields_json() -> str:
    """SQL for the stored fields exactly as `RecordDraft.fields_json` writes them (json.dumps
    with sorted keys, ", " and ": " separators, no ASCII escaping): PostgreSQL's to_json escapes
    a string the way Python's json does."""
    keyed = sorted((f"{PREFIX}_{code}", code) for code in CODES)
    parts = ", ".join(
        f"CASE WHEN r.{_q(code)} IS NOT NULL THEN {_literal(_q(key) + ': ')} "
        f"|| to_json(r.{_q(code)})::text END"
        for key, code in keyed
    )
    return f"'{{' || concat_ws(', ', {parts}) || '}}'"


def _sealed() -> str:
    pairs = ", ".join(
        f"{_literal(f'{PREFIX}_{code}')}, r.{_q(code + '_SEALED')}" for code in SEALED
    )
    return f"jsonb_strip_nulls(jsonb_build_object({pairs}))"


def _sealed_hashes() -> str:
    """What `content_hash` appends for the sealed fields: a line per field with its keyed hash."""
    lines = [f"coalesce(E'\\n{PREFIX}_{code}:' || r.{_q(code + '_HASH')}, '')" for code in SEALED]
    return " || ".join(lines) if lines else "''"


def _checks() -> str:
    specs = FIELD_SETS[PREFIX]
    required = [f"r.{_q(s.code)} IS NOT NULL" for s in specs if s.required]
    lengths = [
        f"(r.{_q(s.code)} IS NULL OR char_length(r.{_q(s.code)}) <= {s.max_length})" for s in specs
    ]
    python = [f"r.{_q(code)} IS NULL" for code in LEFT_TO_PYTHON]
    stated = ", ".join(_literal(label) for label in SEVERITIES)
    return " AND ".join(
        [
            *required,
            *lengths,
            *python,
            f'(r."YZCD" IS NULL OR r."YZCD" IN ({stated}))',
            f"""(r."NR_FK" IS NULL OR r."NR_FK" ~ '{AMOUNT}')""",
            f"""(r."NR_WFFF" IS NULL OR r."NR_WFFF" ~ '{AMOUNT}')""",
            '(NOT r.fine_required OR r."NR_FK" IS NOT NULL)',
            "r.valid_until >= r.decided",
            '(NOT %(check_source)s OR r."SJLYDM" = %(department_code)s)',
        ]
    )


def _case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}" for k, v in mapping.items())
    return f"CASE {column} {whens} END"


DRAFTS = f"""INSERT INTO tmp_draft (pos, source_row, key_kind, key, subject_kind, subject_name,
    id_masked, id_cipher, kind, catalog_item_id, department_id, doc_number, authority_name,
    authority_code, decision_date, title, severity, sector, fine_wan, fields, sealed, content_hash,
    regime_code, published_by_rule, publicity_start, repair_from, publicity_end, supplied_on,
    supply_deadline, timely)
SELECT r.pos, r.pos, 'uscc', r."XDR_SHXYM", {_case('r."XDR_LB"', CODE_SUBJECTS)}, r."XDR_MC",
    '', '', 'penalty', %(item)s, %(department)s, r."WSH", r."CFJG", r."CFJGDM", r.decided,
    left(r.joined || '：' || r."NR", 300), w.severity, '', r."NR_FK"::numeric, f.text::jsonb,
    {_sealed()}, encode(sha256(convert_to(f.text || {_sealed_hashes()}, 'UTF8')), 'hex'),
    w.regime_code, w.published, r.decided,
    w.repair_from, w.end_on, %(today)s, r.deadline, %(today)s <= r.deadline
FROM (
    -- A fence: the row checks are applied to the joined rows, so the planner sees the chunk as
    -- the large side of every join and hashes the small lookup tables instead.
    SELECT r.*, j.d AS decided, j.deadline, y.d AS valid_until, c.joined, c.severity AS by_category,
        c.fine_required
    FROM tmp_raw r
    JOIN tmp_fp_code k1 ON k1.code = r."XDR_SHXYM"
    JOIN tmp_fp_code k2 ON k2.code = r."CFJGDM"
    JOIN tmp_fp_code k3 ON k3.code = r."SJLYDM"
    JOIN tmp_fp_date j ON j.iso = r."JDRQ" AND j.deadline IS NOT NULL
    JOIN tmp_fp_date y ON y.iso = r."YXQ"
    JOIN tmp_fp_category c ON c.raw = r."CFLB"
    OFFSET 0
) r
JOIN tmp_fp_window w ON w.d = r.decided
    AND w.severity = coalesce({_case('r."YZCD"', SEVERITIES)}, r.by_category)
CROSS JOIN LATERAL (SELECT {_fields_json()} AS text) f
WHERE r."XDR_LB" IN ({", ".join(_literal(label) for label in CODE_SUBJECTS)}) AND {_checks()}
RETURNING pos"""

LOOKUPS = (
    "CREATE TEMP TABLE tmp_fp_code (code text) ON COMMIT DROP",
    "CREATE TEMP TABLE tmp_fp_date (iso text, d date, deadline date) ON COMMIT DROP",
    "CREATE TEMP TABLE tmp_fp_category (raw text, joined text, severity text, "
    "fine_required boolean) ON COMMIT DROP",
    "CREATE TEMP TABLE tmp_fp_window (d date, severity text, regime_code text, published boolean, "
    "repair_from date, end_on date) ON COMMIT DROP",
)


@dataclass
class Prepared:
    """A chunk ready for `PenaltyFastPath.stage`."""

    numbers: list[int]
    buffer: io.StringIO
    codes: set[str] = field(default_factory=set)
    decided: set[str] = field(default_factory=set)  # decision dates
    days: set[str] = field(default_factory=set)  # other dates
    categories: set[str] = field(default_factory=set)


@dataclass
class PenaltyFastPath:
    """One batch's fast path: the file's column layout, and what was decided per value."""

    mapping: HeaderMap
    ctx: ValidationContext
    department_id: int
    _picked: list[int] = field(default_factory=list)  # file column of each CODES entry, or -1
    _dates: dict[str, tuple[date, date | None] | None] = field(default_factory=dict)
    _categories: dict[str, tuple[str, str, bool] | None] = field(default_factory=dict)
    _windows: dict[tuple[date, str], tuple[str, bool, date, date] | None] = field(
        default_factory=dict
    )

    @classmethod
    def for_batch(
        cls, *, prefix: str, mapping: HeaderMap, ctx: ValidationContext, department_id: int
    ) -> PenaltyFastPath | None:
        """A fast path for penalty files whose columns each carry one field (a legacy file that
        spreads a field over two columns goes the ordinary way)."""
        if prefix != PREFIX or len(set(mapping.columns.values())) != len(mapping.columns):
            return None
        column_of = {code: index for index, code in mapping.columns.items()}
        return cls(mapping, ctx, department_id, [column_of.get(code, -1) for code in CODES])

    def row(self, cells: list[str]) -> list[str]:
        """A row's values, trimmed, in CODES order ("" for a field the file lacks)."""
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
        at = {code: i for i, code in enumerate(CODES)}
        shxym, cfjgdm, sjlydm = at["XDR_SHXYM"], at["CFJGDM"], at["SJLYDM"]
        jdrq, yxq, cflb = at["JDRQ"], at["YXQ"], at["CFLB"]
        sealed_at = [at[code] for code in SEALED]
        codes, decided, days = prepared.codes, prepared.decided, prepared.days
        categories = prepared.categories
        for number, cells in rows:
            values = self.row(cells)
            sealed = []
            for at_sealed in sealed_at:
                person = values[at_sealed]
                if person:
                    values[at_sealed] = mask_resident_id(person)
                    sealed += [lookup_hash(person), encrypt(person)]
                else:
                    sealed += ["", ""]
            writer.writerow([number, *values, *sealed])
            codes.update((values[shxym], values[cfjgdm], values[sjlydm]))
            decided.add(values[jdrq])
            days.add(values[yxq])
            categories.add(values[cflb])
        return prepared

    def stage(self, cursor: CursorWrapper, stage: RecordStage, prepared: Prepared) -> set[int]:
        """Stage as drafts the rows SQL accepts; returns their row numbers. The others are the
        caller's to validate."""
        columns = ["pos", *CODES, *EXTRA]
        cursor.execute(
            "CREATE TEMP TABLE tmp_raw (pos integer, "
            + ", ".join(f"{_q(c)} text" for c in [*CODES, *EXTRA])
            + ") ON COMMIT DROP"
        )
        prepared.buffer.seek(0)
        cursor.cursor.copy_expert(
            f"COPY tmp_raw ({', '.join(map(_q, columns))}) FROM STDIN WITH (FORMAT csv)",
            prepared.buffer,
        )
        codes, decided, categories = prepared.codes, prepared.decided, prepared.categories
        days = prepared.days
        self._lookups(cursor, codes, days | decided, decided, categories)
        cursor.execute(
            DRAFTS,
            {
                "item": stage.catalog_item("N03-02"),
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

    def _lookups(
        self,
        cursor: CursorWrapper,
        codes: set[str],
        days: set[str],
        decided: set[str],
        categories: set[str],
    ) -> None:
        for statement in LOOKUPS:
            cursor.execute(statement)
        copy_rows(cursor, "tmp_fp_code", ("code",), ((c,) for c in codes if self._code(c)))
        dated = {iso: self._date(iso, iso in decided) for iso in days}
        copy_rows(
            cursor,
            "tmp_fp_date",
            ("iso", "d", "deadline"),
            ((iso, *known) for iso, known in dated.items() if known is not None),
        )
        parsed = {raw: self._category(raw) for raw in categories}
        copy_rows(
            cursor,
            "tmp_fp_category",
            ("raw", "joined", "severity", "fine_required"),
            ((raw, *known) for raw, known in parsed.items() if known is not None),
        )
        windows = {
            (known[0], severity): self._window(known[0], severity)
            for iso in decided
            if (known := dated.get(iso)) is not None and known[1] is not None
            for severity in SEVERITIES.values()
        }
        copy_rows(
            cursor,
            "tmp_fp_window",
            ("d", "severity", "regime_code", "published", "repair_from", "end_on"),
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
            listed = [c.strip() for c in _CATEGORY_SPLIT.split(raw) if c.strip()]
            known = bool(listed) and all(c in PENALTY_CATEGORIES for c in listed)
            self._categories[raw] = (
                ("、".join(listed), _severity(listed), "罚款" in listed) if known else None
            )
        return self._categories[raw]

    def _window(self, day: date, severity: str) -> tuple[str, bool, date, date] | None:
        key = (day, severity)
        if key not in self._windows:
            try:
                window = self.ctx.rules.window(decision_date=day, severity=severity)
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
