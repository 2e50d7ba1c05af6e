"""The upload's fast path for penalty and licence files: rows decided in SQL, not one by one
in Python.

A chunk's rows are COPYed into a temporary table as they are read (trimmed, by canonical field
code). One INSERT … SELECT turns every row that SQL can vouch for into a staged draft
(`RecordStage`), computing the same values `validate_row` would: the common case of a 双公示 file
(a legal person or individual business named by a valid 统一社会信用代码, ISO dates, plain 万元
amounts, known penalty or licence categories, 长期 licences). What depends on a handful of
distinct values per chunk (check characters, dates with their supply deadlines and publicity
windows, category lists) is decided in Python once per value and joined in. Every row SQL does not accept goes through
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

from core.common.errors import ValidationFailed
from core.common.identifiers import mask_resident_id, normalise, uscc_problem
from core.common.pgcopy import copy_rows
from core.records.fields import (
    FIELD_SETS,
    LICENSE_CATEGORIES,
    PENALTY_CATEGORIES,
    SEVERITIES,
    SUBJECT_CATEGORIES,
    HeaderMap,
)
from core.records.staging import DRAFT_COLUMNS, STAGE_TABLE, RecordStage
from core.records.validation import (
    ALIAS_FIELDS,
    LONG_TERM,
    LONG_TERM_VALUES,
    SEALED_FIELDS,
    ValidationContext,
    parse_date,
    severity_by_categories,
    split_categories,
)
from core.subjects.protection import encrypt, lookup_hash

# Left empty by every row SQL accepts: an identity number is checked (and protected) in Python,
# legacy codes become aliases there, a requested publicity end is checked against the rules there.
LEFT_TO_PYTHON = ("XDR_ZJHM", "GSJZQ", *ALIAS_FIELDS)
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


def _codes(prefix: str) -> list[str]:
    return [spec.code for spec in FIELD_SETS[prefix]]


def _fields_json(prefix: str) -> str:
    """SQL for the stored fields exactly as `RecordDraft.fields_json` writes them (json.dumps
    with sorted keys, ", " and ": " separators, no ASCII escaping): PostgreSQL's to_json escapes
    a string the way Python's json does."""
    keyed = sorted((f"{prefix}_{code}", code) for code in _codes(prefix))
    parts = ", ".join(
        f"CASE WHEN r.{_q(code)} IS NOT NULL THEN {_literal(_q(key) + ': ')} "
        f"|| to_json(r.{_q(code)})::text END"
        for key, code in keyed
    )
    return f"'{{' || concat_ws(', ', {parts}) || '}}'"


def _sealed(prefix: str) -> str:
    pairs = ", ".join(
        f"{_literal(f'{prefix}_{code}')}, r.{_q(code + '_SEALED')}" for code in SEALED
    )
    return f"jsonb_strip_nulls(jsonb_build_object({pairs}))"


def _content_hash(prefix: str) -> str:
    """`content_hash`: the fields' text, then a line per sealed field with its keyed hash."""
    lines = [f"coalesce(E'\\n{prefix}_{code}:' || r.{_q(code + '_HASH')}, '')" for code in SEALED]
    hashes = " || ".join(lines) or "''"
    return f"encode(sha256(convert_to(f.text || {hashes}, 'UTF8')), 'hex')"


def _checks(prefix: str, source: str) -> list[str]:
    """What every field set shares: the subject named by its code, required fields, lengths, the
    fields left to Python empty, the data source unit."""
    specs = FIELD_SETS[prefix]
    codes = {s.code for s in specs}
    subjects = ", ".join(_literal(label) for label in CODE_SUBJECTS)
    return [
        f'r."XDR_LB" IN ({subjects})',
        *(f"r.{_q(s.code)} IS NOT NULL" for s in specs if s.required),
        *(
            f"(r.{_q(s.code)} IS NULL OR char_length(r.{_q(s.code)}) <= {s.max_length})"
            for s in specs
        ),
        *(f"r.{_q(code)} IS NULL" for code in LEFT_TO_PYTHON if code in codes),
        f"(NOT %(check_source)s OR r.{_q(source)} = %(department_code)s)",
    ]


def _case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}" for k, v in mapping.items())
    return f"CASE {column} {whens} END"


def _penalty_where() -> str:
    stated = ", ".join(_literal(label) for label in SEVERITIES)
    return " AND ".join(
        [
            *_checks("CF", "SJLYDM"),
            f'(r."YZCD" IS NULL OR r."YZCD" IN ({stated}))',
            f'(r."NR_FK" IS NULL OR r."NR_FK" ~ \'{AMOUNT}\')',
            f'(r."NR_WFFF" IS NULL OR r."NR_WFFF" ~ \'{AMOUNT}\')',
            '(NOT r.fine_required OR r."NR_FK" IS NOT NULL)',
            "r.valid_until >= r.decided",
        ]
    )


def _licence_where() -> str:
    categories = ", ".join(_literal(c) for c in sorted(LICENSE_CATEGORIES))
    return " AND ".join(
        [
            *_checks("XK", "LYDWDM"),
            f'r."XKLB" IN ({categories})',
            "r.valid_until IS NOT NULL",
            "r.valid_until >= r.valid_from",
        ]
    )


# The stage's columns, in the order every SELECT below produces them (the stage is described in
# core/records/staging.py only).
COLUMNS = f"INSERT INTO {STAGE_TABLE} ({', '.join(DRAFT_COLUMNS)})"


def _draft_head(kind: str, authority: str, authority_code: str) -> str:
    """The INSERT and the columns every kind fills alike: position, subject claim, kind,
    catalogue item, department, business key, decision date."""
    subject_kind = _case('r."XDR_LB"', CODE_SUBJECTS)
    return (
        f'{COLUMNS}\nSELECT r.pos, r.pos, \'uscc\', r."XDR_SHXYM", {subject_kind}, r."XDR_MC", '
        f"'', '', {_literal(kind)}, %(item)s, %(department)s, r.\"WSH\", r.{_q(authority)}, "
        f"r.{_q(authority_code)}, r.decided,"
    )


def _raw_joins(authority_code: str, source_code: str) -> str:
    """The chunk's rows whose three codes are valid and whose decision date has a deadline."""
    return (
        'FROM tmp_raw r JOIN tmp_fp_code k1 ON k1.code = r."XDR_SHXYM" '
        f"JOIN tmp_fp_code k2 ON k2.code = r.{_q(authority_code)} "
        f"JOIN tmp_fp_code k3 ON k3.code = r.{_q(source_code)} "
        'JOIN tmp_fp_date j ON j.iso = r."JDRQ" AND j.deadline IS NOT NULL'
    )


# A fence (OFFSET 0) keeps the row checks above the joins, so the planner sees the chunk as the
# large side of every join and hashes the small lookup tables instead (it had estimated the
# filtered chunk at one row and hashed it seven times).
PENALTY_DRAFTS = f"""{_draft_head("penalty", "CFJG", "CFJGDM")}
    left(r.joined || '：' || r."NR", 300), w.severity, '', r."NR_FK"::numeric, f.text::jsonb,
    {_sealed("CF")}, {_content_hash("CF")}, w.regime_code, w.published, r.decided,
    w.repair_from, w.end_on, %(today)s, r.deadline, %(today)s <= r.deadline
FROM (
    SELECT r.*, j.d AS decided, j.deadline, y.d AS valid_until, c.joined, c.severity AS by_category,
        c.fine_required
    {_raw_joins("CFJGDM", "SJLYDM")}
    JOIN tmp_fp_date y ON y.iso = r."YXQ"
    JOIN tmp_fp_category c ON c.raw = r."CFLB"
    OFFSET 0
) r
JOIN tmp_fp_window w ON w.d = r.decided
    AND w.severity = coalesce({_case('r."YZCD"', SEVERITIES)}, r.by_category)
CROSS JOIN LATERAL (SELECT {_fields_json("CF")} AS text) f
WHERE {_penalty_where()}
RETURNING pos"""
# A licence is public while it is valid (validate_row's _license): 长期 is valid until 2099-12-31.
LONG_TERM_WORDS = ", ".join(_literal(w) for w in LONG_TERM_VALUES)
LICENCE_DRAFTS = f"""{_draft_head("license", "XKJG", "XKJGDM")}
    left(r."XKLB" || '：' || r."XKWS", 300), 'ordinary', '', NULL, f.text::jsonb,
    {_sealed("XK")}, {_content_hash("XK")}, 'license', true, r.decided,
    r.valid_until, r.valid_until, %(today)s, r.deadline, %(today)s <= r.deadline
FROM (
    SELECT r.*, j.d AS decided, j.deadline, s.d AS valid_from,
        CASE WHEN r."YXQZI" IN ({LONG_TERM_WORDS}) THEN DATE '{LONG_TERM.isoformat()}' ELSE z.d END
            AS valid_until
    {_raw_joins("XKJGDM", "LYDWDM")}
    JOIN tmp_fp_date s ON s.iso = r."YXQZ"
    LEFT JOIN tmp_fp_date z ON z.iso = r."YXQZI"
    OFFSET 0
) r
CROSS JOIN LATERAL (SELECT {_fields_json("XK")} AS text) f
WHERE {_licence_where()}
RETURNING pos"""


@dataclass(frozen=True)
class _Kind:
    """What differs between the field sets the fast path takes."""

    prefix: str
    item_code: str
    drafts: str  # the INSERT … SELECT
    code_fields: tuple[str, str, str]  # the subject's, the authority's, the data source's
    dates: tuple[str, ...]  # besides the decision date (JDRQ)
    category: str | None  # penalty categories, decided per distinct value

    @property
    def codes(self) -> list[str]:
        return _codes(self.prefix)


KINDS = {
    "CF": _Kind("CF", "N03-02", PENALTY_DRAFTS, ("XDR_SHXYM", "CFJGDM", "SJLYDM"), ("YXQ",), "CFLB"),
    "XK": _Kind("XK", "N03-01", LICENCE_DRAFTS, ("XDR_SHXYM", "XKJGDM", "LYDWDM"),
                ("YXQZ", "YXQZI"), None),
}  # fmt: skip

LOOKUPS = (
    "CREATE TEMP TABLE tmp_fp_code (code text) ON COMMIT DROP",
    "CREATE TEMP TABLE tmp_fp_date (iso text, d date, deadline date) ON COMMIT DROP",
    "CREATE TEMP TABLE tmp_fp_category (raw text, joined text, severity text, "
    "fine_required boolean) ON COMMIT DROP",
    "CREATE TEMP TABLE tmp_fp_window (d date, severity text, regime_code text, published boolean, "
    "repair_from date, end_on date) ON COMMIT DROP",
)


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


@dataclass
class FastPath:
    """One batch's fast path: the kind of file, its column layout, what was decided per value."""

    kind: _Kind
    ctx: ValidationContext
    department_id: int
    _picked: list[int] = field(default_factory=list)  # file column of each field, or -1
    _dates: dict[str, tuple[date, date | None] | None] = field(default_factory=dict)
    _categories: dict[str, tuple[str, str, bool] | None] = field(default_factory=dict)
    _windows: dict[tuple[date, str], tuple[str, bool, date, date] | None] = field(
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
        codes, decided, days = prepared.codes, prepared.decided, prepared.days
        categories = prepared.categories
        # A person's number repeats on every row of their company: masked, hashed and encrypted
        # once a chunk (one ciphertext for equal numbers reveals no more than their keyed hash).
        seals: dict[str, tuple[str, str, str]] = {}
        for number, cells in rows:
            values = self.row(cells)
            sealed: list[str] = []
            for i in sealed_at:
                person = values[i]
                if person:
                    if (seal := seals.get(person)) is None:
                        seal = seals[person] = _seal(person)
                    values[i] = seal[0]
                    sealed += seal[1:]
                else:
                    sealed += ["", ""]
            writer.writerow([number, *values, *sealed])
            codes.update(values[i] for i in code_at)
            decided.add(values[decided_at])
            days.update(values[i] for i in dates_at)
            if category_at is not None:
                categories.add(values[category_at])
        return prepared

    def stage(self, cursor: CursorWrapper, stage: RecordStage, prepared: Prepared) -> set[int]:
        """Stage as drafts the rows SQL accepts; returns their row numbers. The others are the
        caller's to validate."""
        columns = [*self.kind.codes, *EXTRA]
        cursor.execute(
            "CREATE TEMP TABLE tmp_raw (pos integer, "
            + ", ".join(f"{_q(c)} text" for c in columns)
            + ") ON COMMIT DROP"
        )
        prepared.buffer.seek(0)
        cursor.cursor.copy_expert(
            f"COPY tmp_raw (pos, {', '.join(map(_q, columns))}) FROM STDIN WITH (FORMAT csv)",
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
        for statement in LOOKUPS:
            cursor.execute(statement)
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
            listed = split_categories(raw)
            known = bool(listed) and all(c in PENALTY_CATEGORIES for c in listed)
            self._categories[raw] = (
                ("、".join(listed), severity_by_categories(listed), "罚款" in listed)
                if known
                else None
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
