"""Row locks for money, taken the same way by every writer (Saleor's order/lock_objects.py):
the contract row first, then its package balance."""

from __future__ import annotations

from django.db.models import QuerySet

from billing.models import Contract, PackageBalance


def contract_for_update(contract_id: int) -> Contract:
    return Contract.objects.select_for_update(of=("self",)).get(pk=contract_id)


def packages_for_update(contract_id: int) -> QuerySet[PackageBalance]:
    return PackageBalance.objects.select_for_update().filter(contract_id=contract_id)
