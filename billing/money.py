"""Yuan amounts: two places, half up, VAT included (增值税 6 % for information services)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.common.errors import ValidationFailed

CENT = Decimal("0.01")
VAT_RATE = Decimal("0.06")


def yuan(value: Decimal | int) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_yuan(text: object, *, field: str, allow_zero: bool = True) -> Decimal:
    """A yuan amount typed by a person: '20', '20.5', '20.50'; at most two places."""
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("金额应为以元计的数字，如 20 或 20.50", field=field) from None
    if not value.is_finite():
        raise ValidationFailed("金额应为以元计的数字，如 20 或 20.50", field=field)
    if value != value.quantize(CENT):
        raise ValidationFailed("金额最多保留两位小数", field=field)
    if value < 0 or (value == 0 and not allow_zero) or value >= Decimal("1000000000"):
        lowest = "0" if allow_zero else "0.01"
        raise ValidationFailed(f"金额应在{lowest}元到10亿元之间", field=field)
    return yuan(value)


def vat_included(total: Decimal) -> Decimal:
    """The VAT contained in a VAT-inclusive total."""
    return yuan(total - total / (1 + VAT_RATE))


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)
