from __future__ import annotations

import strawberry
from django.utils import timezone

from billing.selectors import invoices_of, month_usage, package_units
from billing.services.metering import call_authorise_any
from graphql_api.billing.types import BillingAccount, InvoiceSummary, ProductUsage
from graphql_api.context import Info

__all__ = ["BillingQuery"]


@strawberry.type
class BillingQuery:
    @strawberry.field(
        description="The calling institution's contract here: caps, usage this month, balances, invoices."
    )
    def billing_account(self, info: Info) -> BillingAccount:
        key, district = info.context.require_institution()
        contract = call_authorise_any(key=key, district=district, today=timezone.localdate())
        usage = month_usage(contract.pk, timezone.localdate())
        return BillingAccount(
            customer=key.customer.name, contract=contract.number, mode=contract.mode,
            products=list(contract.products), monthly_cap_units=contract.monthly_cap_units,
            monthly_cap_yuan=contract.monthly_cap_yuan, used_units=usage.units,
            used_yuan=usage.amount_yuan,
            wallet_balance_yuan=contract.wallet_balance_yuan if contract.mode == "prepaid" else None,
            packages=[ProductUsage(product=p, units=u) for p, u in sorted(package_units(contract.pk).items())],
            usage=[ProductUsage(product=p, units=u) for p, u in sorted(usage.by_product.items())],
            invoices=[InvoiceSummary(number=i.number, period=i.period, total_yuan=i.total_yuan,
                                     issued_at=i.issued_at)
                      for i in invoices_of(key.customer_id).filter(contract=contract)],
        )  # fmt: skip
