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


@register.filter
def actor(value: str) -> str:
    """clerk@… → 张三（数据录入员，市场监管局）; system:ingest → 系统（数据入库）."""
    from core.catalog.actors import actor_name

    return actor_name(str(value or ""))


@register.filter
def regime_label(value: str) -> str:
    """2023 → the regime's name; positive → 守信信息规则; license → 行政许可规则."""
    from core.publicity.models import PublicityRegime

    if value in REGIME_LABELS:
        return REGIME_LABELS[value]
    name = PublicityRegime.objects.filter(code=value).values_list("name", flat=True).first()
    return name or str(value)


@register.filter
def purpose_label(value: str) -> str:
    """joint_discipline → 联合奖惩."""
    from exchange.enums import ExchangePurpose

    return str(dict(ExchangePurpose.choices).get(value, value))


# Regime codes that are not a PublicityRegime row (core.records.validation).
REGIME_LABELS = {"positive": "守信激励信息（按有效期公示）", "license": "行政许可（按有效期公示）"}
