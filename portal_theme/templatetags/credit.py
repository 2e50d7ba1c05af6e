from __future__ import annotations

from django import template

from core.records.enums import RecordState

register = template.Library()
_LABELS = dict(RecordState.choices)


@register.filter
def state_label(value: str) -> str:
    """published → 公示中 (the derived record state, in Chinese)."""
    return str(_LABELS.get(value, value))
