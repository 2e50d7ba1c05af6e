"""What a number of units costs under a price, given the units already used this month."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from billing.enums import PricingModel
from billing.models import Price
from billing.money import parse_yuan, yuan
from core.common.errors import ValidationFailed


def units_cost(price: Price, *, used: int, units: int) -> Decimal:
    """Cost of units `used + 1 … used + units` of the month. Tiers are graduated: each unit is
    charged at the tier its position in the month falls in. Package units cost nothing when used
    (the package was charged when bought)."""
    if price.model == PricingModel.PACKAGE:
        return Decimal("0.00")
    if price.model == PricingModel.PER_UNIT:
        return yuan(Decimal(price.unit_price_yuan or 0) * units)
    total, position, end = Decimal(0), used, used + units
    floor = 0
    for tier in price.tiers:
        ceiling = tier["up_to"]
        upper = end if ceiling is None else min(end, int(ceiling))
        lower = max(position, floor)
        if upper > lower:
            total += Decimal(tier["unit_price"]) * (upper - lower)
        if ceiling is not None:
            floor = int(ceiling)
    return yuan(total)


def tiers_clean(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate graduated tiers: ascending `up_to`, the last open-ended, prices in yuan."""
    if not rows:
        raise ValidationFailed("阶梯计价至少需要一档", field="tiers")
    clean: list[dict[str, Any]] = []
    previous = 0
    for number, row in enumerate(rows, start=1):
        up_to = row.get("up_to")
        price = parse_yuan(row.get("unit_price", ""), field="tiers")
        last = number == len(rows)
        if last and up_to not in (None, ""):
            raise ValidationFailed("最后一档不设上限（留空）", field="tiers")
        if not last:
            try:
                up_to = int(str(up_to))
            except (TypeError, ValueError):
                raise ValidationFailed(
                    f"第{number}档的累计次数上限应为整数", field="tiers"
                ) from None
            if up_to <= previous:
                raise ValidationFailed(
                    f"第{number}档的上限应大于上一档（{previous}）", field="tiers"
                )
            previous = up_to
        clean.append({"up_to": None if last else up_to, "unit_price": str(price)})
    return clean


def price_describe(price: Price) -> str:
    """The price in words, for the portal and invoices."""
    if price.model == PricingModel.PER_UNIT:
        return f"{price.unit_price_yuan}元/{price.product.unit}"
    if price.model == PricingModel.PACKAGE:
        return f"{price.package_units}{price.product.unit}套餐 {price.package_price_yuan}元"
    parts, floor = [], 0
    for tier in price.tiers:
        ceiling = tier["up_to"]
        span = (
            f"第{floor + 1}{price.product.unit}起"
            if ceiling is None
            else f"第{floor + 1}–{ceiling}{price.product.unit}"
        )
        parts.append(f"{span} {tier['unit_price']}元/{price.product.unit}")
        floor = ceiling or floor
    return "；".join(parts) + "（按自然月累计）"
