"""Which price a call is charged at, and what a number of units costs under it, given the units
already used this month.

The order (`price_effective`): the contract's own price for the product in force on the call's day
(`ContractPrice`: a unit price, a discount off the district's price, or both), else the district's
price list (`Price`) of that day. A contract version with neither a price nor a discount hands the
product back to the district's price list from its day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from billing.enums import PricingModel
from billing.models import Contract, ContractPrice, Price
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


@dataclass(frozen=True)
class EffectivePrice:
    """The price a contract pays for a product on a day: `price` is the basis (the district's
    version, or an unsaved per-unit price carrying the contract's own unit price) and `discount`
    the percentage taken off its cost; `contract_price` the contract version applied, if any."""

    price: Price
    discount_percent: Decimal | None = None
    contract_price: ContractPrice | None = None

    @property
    def model(self) -> str:
        return str(self.price.model)

    def cost(self, *, used: int, units: int) -> Decimal:
        """`units_cost` of the basis, less the discount (rounded half up to the fen, once per
        call, so the ledger entry is what the invoice adds up)."""
        cost = units_cost(self.price, used=used, units=units)
        if not self.discount_percent:
            return cost
        kept = (Decimal(100) - Decimal(self.discount_percent)) / Decimal(100)
        return (cost * kept).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def contract_price_current(contract_id: int, product: str, day: date) -> ContractPrice | None:
    """The contract's own price version for the product in force on `day`, if any."""
    return (
        ContractPrice.objects.select_related("product")
        .filter(contract_id=contract_id, product__code=product, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )


def price_effective(contract: Contract, product: str, day: date) -> EffectivePrice | None:
    """The price `contract` pays for `product` on `day` (None: not for sale to it). The contract's
    price in force that day comes first; else the district's price of the day."""
    district_price = (
        Price.objects.select_related("product")
        .filter(district_id=contract.district_id, product__code=product, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )
    own = contract_price_current(contract.pk, product, day)
    if own is None or (own.unit_price_yuan is None and own.discount_percent is None):
        return None if district_price is None else EffectivePrice(district_price)
    if own.unit_price_yuan is not None:
        basis = Price(
            district_id=contract.district_id, product=own.product, model=PricingModel.PER_UNIT,
            unit_price_yuan=own.unit_price_yuan, valid_from=own.valid_from,
        )  # fmt: skip
        return EffectivePrice(basis, own.discount_percent, own)
    if district_price is None:  # a discount off nothing: not for sale
        return None
    return EffectivePrice(district_price, own.discount_percent, own)


def contract_price_describe(row: ContractPrice) -> str:
    """A contract price version in words."""
    if row.unit_price_yuan is None and row.discount_percent is None:
        return "恢复按区县价格"
    parts = []
    if row.unit_price_yuan is not None:
        parts.append(f"合同单价{row.unit_price_yuan}元/{row.product.unit}")
    else:
        parts.append("区县价格")
    if row.discount_percent is not None:
        parts.append(f"优惠{row.discount_percent.normalize():f}%")
    return "，".join(parts)


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
