"""What an agreement can cover: catalogue items that carry records with a national field set, and
the fields of that set (stored in Record.fields by prefixed code, e.g. CF_NR_FK 罚款金额)."""

from __future__ import annotations

from functools import cache

from core.records.drafts import SEALED_FIELDS
from core.records.fields import COMMON_SUBJECT, FIELD_SETS, RECORD_KINDS

# Catalogue item → the field set its records are stored with (core/records/validation.py).
ITEM_FIELD_SET = {
    "N03-01": "XK",
    "N03-02": "CF",
    **{item: "JL" for _, item, _ in RECORD_KINDS.values()},
}


@cache
def shareable_fields(item_code: str) -> dict[str, str]:
    """Field code → Chinese label for the records of `item_code`; empty when it has no field set.
    People's identity numbers are not shared (they are sealed in the provider's records; an
    agreement made before that carries their masks)."""
    prefix = ITEM_FIELD_SET.get(item_code)
    if prefix is None:
        return {}
    return {
        f"{prefix}_{spec.code}": spec.label
        for spec in FIELD_SETS[prefix]
        if spec.code not in SEALED_FIELDS
    }


@cache
def field_labels() -> dict[str, str]:
    """Every field code's label, for pages."""
    return {
        f"{prefix}_{spec.code}": spec.label
        for prefix, specs in FIELD_SETS.items()
        for spec in specs
    }


def field_label(code: str) -> str:
    return field_labels().get(code, code)


def sealed_fields(item_code: str) -> list[str]:
    """The item's sealed identity fields (shown on the proposal form as not shareable)."""
    prefix = ITEM_FIELD_SET.get(item_code)
    if prefix is None:
        return []
    return [f"{prefix}_{spec.code}" for spec in FIELD_SETS[prefix] if spec.code in SEALED_FIELDS]


# How the proposal form groups an item's fields: who the record is about, then what it says.
SUBJECT_GROUP = "行政相对人信息"
CONTENT_GROUP = "记录内容"
FIELD_GROUPS = (SUBJECT_GROUP, CONTENT_GROUP)
_SUBJECT_CODES = frozenset(spec.code for spec in COMMON_SUBJECT)


def field_group(code: str) -> str:
    return SUBJECT_GROUP if code.split("_", 1)[-1] in _SUBJECT_CODES else CONTENT_GROUP
