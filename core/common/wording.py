"""Audit details as people read them: shared by the district audit log (core/audit/wording.py) and
the platform's (tenants/wording.py), each with its own sentences and field names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def detail_value(
    value: Any, *, labels: Mapping[str, str], names: Mapping[str, str] | None = None
) -> str:
    """A detail's value in Chinese: yes/no, "—" for nothing, lists joined with 、, nested details
    as 字段：值 (field names from `labels`), code values by their `names`."""
    names = names or {}
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return "、".join(detail_value(v, labels=labels, names=names) for v in value) or "—"
    if isinstance(value, dict):
        nested = (f"{labels.get(k, k)}：{detail_value(v, labels=labels)}" for k, v in value.items())
        return "；".join(nested) or "—"
    return names.get(str(value), str(value))
