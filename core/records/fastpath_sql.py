"""The fast path's SQL, per kind of file (penalties CF, licences XK): the checks that let SQL vouch
for a row, and the INSERT … SELECT that turns the rows it vouches for into staged drafts with the
same values `validate_row` computes. `core.records.fastpath` COPYs a chunk into `tmp_raw`, fills the
lookup tables (LOOKUPS) with what it decided per distinct value, then runs the kind's statement.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.records.drafts import SEALED_FIELDS
from core.records.enums import SectorSource
from core.records.fields import FIELD_SETS, LICENSE_CATEGORIES, SEVERITIES, SUBJECT_CATEGORIES
from core.records.staging import DRAFT_COLUMNS, STAGE_TABLE
from core.records.validation import ALIAS_FIELDS, LONG_TERM, LONG_TERM_VALUES

# Left empty by every row SQL accepts: an identity number is checked (and protected) in Python,
# legacy codes become aliases there, a requested publicity end is checked against the rules there.
LEFT_TO_PYTHON = ("XDR_ZJHM", "GSJZQ", *ALIAS_FIELDS)
# Sealed fields the fast path takes: the reader masks each value in place and passes its keyed hash
# and its ciphertext in two more columns (what `core.records.drafts.seal` does, done before COPY).
SEALED = sorted(code for code in SEALED_FIELDS if code not in LEFT_TO_PYTHON)
EXTRA = [f"{code}{suffix}" for code in SEALED for suffix in ("_HASH", "_SEALED")]
# A penalty's field (领域) and who decided it, as the reader decides them per row in Python
# (core.records.validation.penalty_sector): the general field is "" (NULL once COPYed), and a
# 行业领域 that names no field leaves both empty, for validate_row to report.
SECTOR_EXTRA = ["SECTOR", "SECTOR_SOURCE"]
# What a subject category means for the fast path: only subjects named by their credit code.
CODE_SUBJECTS = {label: kind for label, kind in SUBJECT_CATEGORIES.items() if kind != "natural"}
AMOUNT = r"^[0-9]{1,10}(\.[0-9]{1,6})?$"  # 万元: under 10^10, at most 6 decimals, no sign


def q(code: str) -> str:
    """A field code as an SQL column name."""
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
        f"CASE WHEN r.{q(code)} IS NOT NULL THEN {_literal(q(key) + ': ')} "
        f"|| to_json(r.{q(code)})::text END"
        for key, code in keyed
    )
    return f"'{{' || concat_ws(', ', {parts}) || '}}'"


def _sealed(prefix: str) -> str:
    pairs = ", ".join(f"{_literal(f'{prefix}_{code}')}, r.{q(code + '_SEALED')}" for code in SEALED)
    return f"jsonb_strip_nulls(jsonb_build_object({pairs}))"


def _content_hash(prefix: str) -> str:
    """`content_hash`: the fields' text, then a line per sealed field with its keyed hash."""
    lines = [f"coalesce(E'\\n{prefix}_{code}:' || r.{q(code + '_HASH')}, '')" for code in SEALED]
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
        *(f"r.{q(s.code)} IS NOT NULL" for s in specs if s.required),
        *(
            f"(r.{q(s.code)} IS NULL OR char_length(r.{q(s.code)}) <= {s.max_length})"
            for s in specs
        ),
        *(f"r.{q(code)} IS NULL" for code in LEFT_TO_PYTHON if code in codes),
        f"(NOT %(check_source)s OR r.{q(source)} = %(department_code)s)",
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
            'r."SECTOR_SOURCE" IS NOT NULL',
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
        f"'', '', {_literal(kind)}, %(item)s, %(department)s, r.\"WSH\", r.{q(authority)}, "
        f"r.{q(authority_code)}, r.decided,"
    )


def _raw_joins(authority_code: str, source_code: str) -> str:
    """The chunk's rows whose three codes are valid and whose decision date has a deadline."""
    return (
        'FROM tmp_raw r JOIN tmp_fp_code k1 ON k1.code = r."XDR_SHXYM" '
        f"JOIN tmp_fp_code k2 ON k2.code = r.{q(authority_code)} "
        f"JOIN tmp_fp_code k3 ON k3.code = r.{q(source_code)} "
        'JOIN tmp_fp_date j ON j.iso = r."JDRQ" AND j.deadline IS NOT NULL'
    )


# A fence (OFFSET 0) keeps the row checks above the joins, so the planner sees the chunk as the
# large side of every join and hashes the small lookup tables instead (it had estimated the
# filtered chunk at one row and hashed it seven times).
PENALTY_DRAFTS = f"""{_draft_head("penalty", "CFJG", "CFJGDM")}
    left(r.joined || '：' || r."NR", 300), w.severity, r.sector, r."SECTOR_SOURCE",
    r."NR_FK"::numeric, f.text::jsonb,
    {_sealed("CF")}, {_content_hash("CF")}, w.regime_code, w.published, r.decided,
    w.repair_from, w.end_on, %(today)s, r.deadline, %(today)s <= r.deadline
FROM (
    SELECT r.*, j.d AS decided, j.deadline, y.d AS valid_until, c.joined, c.severity AS by_category,
        c.fine_required, coalesce(r."SECTOR", '') AS sector
    {_raw_joins("CFJGDM", "SJLYDM")}
    JOIN tmp_fp_date y ON y.iso = r."YXQ"
    JOIN tmp_fp_category c ON c.raw = r."CFLB"
    OFFSET 0
) r
JOIN tmp_fp_window w ON w.d = r.decided
    AND w.severity = coalesce({_case('r."YZCD"', SEVERITIES)}, r.by_category)
    AND w.sector = r.sector
CROSS JOIN LATERAL (SELECT {_fields_json("CF")} AS text) f
WHERE {_penalty_where()}
RETURNING pos"""
# A licence is public while it is valid (validate_row's _license): 长期 is valid until 2099-12-31.
LONG_TERM_WORDS = ", ".join(_literal(w) for w in LONG_TERM_VALUES)
LICENCE_DRAFTS = f"""{_draft_head("license", "XKJG", "XKJGDM")}
    left(r."XKLB" || '：' || r."XKWS", 300), 'ordinary', '', {_literal(SectorSource.INFERRED)}, NULL,
    f.text::jsonb,
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
class FastKind:
    """What differs between the field sets the fast path takes."""

    prefix: str
    item_code: str
    drafts: str  # the INSERT … SELECT
    code_fields: tuple[str, str, str]  # the subject's, the authority's, the data source's
    dates: tuple[str, ...]  # besides the decision date (JDRQ)
    category: str | None  # penalty categories, decided per distinct value
    # What a penalty's field is decided from, per row (core.records.validation.penalty_sector).
    sector_from: tuple[str, str, str, str] | None

    @property
    def codes(self) -> list[str]:
        return _codes(self.prefix)

    @property
    def extra(self) -> list[str]:
        """The columns the reader adds after the fields."""
        return [*EXTRA, *SECTOR_EXTRA] if self.sector_from else EXTRA


KINDS = {
    "CF": FastKind("CF", "N03-02", PENALTY_DRAFTS, ("XDR_SHXYM", "CFJGDM", "SJLYDM"), ("YXQ",),
                   "CFLB", ("HYLY", "YJ", "WFXW", "SY")),
    "XK": FastKind("XK", "N03-01", LICENCE_DRAFTS, ("XDR_SHXYM", "XKJGDM", "LYDWDM"),
                   ("YXQZ", "YXQZI"), None, None),
}  # fmt: skip

LOOKUPS = (
    "CREATE TEMP TABLE tmp_fp_code (code text) ON COMMIT DROP",
    "CREATE TEMP TABLE tmp_fp_date (iso text, d date, deadline date) ON COMMIT DROP",
    "CREATE TEMP TABLE tmp_fp_category (raw text, joined text, severity text, "
    "fine_required boolean) ON COMMIT DROP",
    "CREATE TEMP TABLE tmp_fp_window (d date, severity text, sector text, regime_code text, "
    "published boolean, repair_from date, end_on date) ON COMMIT DROP",
)
