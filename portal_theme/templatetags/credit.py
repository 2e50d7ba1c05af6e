from __future__ import annotations

from django import template

from core.records.enums import RecordState

register = template.Library()
_LABELS = dict(RecordState.choices)


@register.filter
def state_label(value: str) -> str:
    """published → 公示中 (the derived record state, in Chinese)."""
    return str(_LABELS.get(value, value))


@register.simple_tag
def field_value(values: dict[str, str], key: str, current: object) -> object:
    """What an input shows: what the user just submitted (when the form came back with errors),
    else the stored value."""
    return values.get(key, current) if values else current


@register.filter
def grade_label(value: str) -> str:
    """B → 基本诚信."""
    from core.scoring.enums import Grade

    return str(dict(Grade.choices).get(value, value))


@register.filter
def points(value: object) -> str:
    """A number of points without trailing zeros: 140.00 → 140, -28.0 → −28."""
    from decimal import Decimal

    number = Decimal(str(value)).normalize()
    text = f"{number:f}"
    return text.replace("-", "−")


@register.filter
def score_reason(value: str) -> str:
    from core.scoring.enums import REASON_LABELS

    return REASON_LABELS.get(value, value)
