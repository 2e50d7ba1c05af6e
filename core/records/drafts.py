"""What a validated record is: the draft every writer stores (`RecordDraft`), its content hash,
and the sealing of people's identity numbers (kept masked in the fields, in clear only to be
encrypted beside them).

`core.records.validation` makes drafts from rows; the stage (`core.records.staging`) and the fast
path (`core.records.fastpath`) store them; exports mask the sealed fields they carry.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from core.common.identifiers import mask_resident_id
from core.subjects.protection import lookup_hash

# Kept masked in a record's fields and encrypted beside them: the identity numbers of people (the
# subject's, the legal representative's).
SEALED_FIELDS = ("XDR_ZJHM", "FR_ZJHM")


def is_sealed(code: str) -> bool:
    """Whether a prefixed field code (CF_FR_ZJHM, XK_XDR_ZJHM …) is one of the sealed fields."""
    return code.split("_", 1)[-1] in SEALED_FIELDS


@dataclass(frozen=True)
class KindFields:
    """What depends on the record's kind (penalty or licence)."""

    kind: str
    catalog_item_code: str
    title: str
    severity: str
    sector: str
    fine_wan: Decimal | None
    regime_code: str
    published_by_rule: bool
    publicity_start: date
    repair_from: date
    publicity_end: date
    # Who decided `sector` (core.records.enums.SectorSource); only penalties state or infer one.
    sector_source: str = field(default="inferred", kw_only=True)


@dataclass(frozen=True)
class RecordDraft(KindFields):
    """A validated record, ready to store: what depends on its kind plus its subject and supply."""

    subject_kind: str
    subject_name: str
    uscc: str | None
    id_number: str | None
    aliases: dict[str, str]
    doc_number: str
    authority_name: str
    authority_code: str
    decision_date: date
    supplied_on: date
    supply_deadline: date
    timely: bool
    fields: dict[str, str] = field(default_factory=dict)
    # Sealed fields in clear (encrypted when stored; masked in `fields`).
    sealed: dict[str, str] = field(default_factory=dict)

    @property
    def business_key(self) -> tuple[str, str, str]:
        return (self.kind, self.doc_number, self.authority_code)

    @cached_property
    def fields_json(self) -> str:
        """The fields as stored (keys sorted), serialised once for both the row and its hash."""
        return json.dumps(self.fields, sort_keys=True, ensure_ascii=False)

    @property
    def content_hash(self) -> str:
        return content_hash(self.fields_json, self.sealed)


def content_hash(fields_json: str, sealed: dict[str, str]) -> str:
    """What tells a correction from a repeat: the stored fields, and for each sealed field its
    keyed hash (never the number itself: an unkeyed hash of an identity number is reversible by
    trying every birth date)."""
    extra = "".join(f"\n{code}:{lookup_hash(value)}" for code, value in sorted(sealed.items()))
    return hashlib.sha256((fields_json + extra).encode()).hexdigest()


def seal(prefix: str, fields: dict[str, str]) -> dict[str, str]:
    """Move the sealed fields out of `fields` (leaving them masked there); returns them in clear."""
    sealed = {}
    for code in SEALED_FIELDS:
        key = f"{prefix}_{code}"
        if fields.get(key):
            sealed[key] = fields[key]
            fields[key] = mask_resident_id(fields[key])
    return sealed
