"""Removing committed billing rows after tests and benchmarks that commit (live servers, threads):
the ledger tables are append-only, so their triggers are switched off for the session meanwhile."""

from __future__ import annotations

from django.db import connection

from billing.models import (
    ApiKey,
    BulkJob,
    Contract,
    CreditNote,
    Customer,
    Invoice,
    MonitoringSubscription,
    PackageBalance,
    Price,
    ThresholdNotice,
    UsageEvent,
    UsageRollup,
    WalletTopUp,
    WebhookDelivery,
    WebhookEndpoint,
)
from core.common.tenancy import use_public_schema
from tenants.models import District


def billing_remove(*districts: District) -> None:
    """The districts' contracts with their customers, keys, ledger and invoices, and their prices."""
    use_public_schema()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # append-only triggers off
        try:
            contracts = Contract.objects.filter(district__in=districts)
            customers = list(contracts.values_list("customer_id", flat=True).distinct())
            CreditNote.objects.filter(invoice__contract__in=contracts).delete()
            WebhookDelivery.objects.filter(endpoint__contract__in=contracts).delete()
            WebhookEndpoint.objects.filter(contract__in=contracts).delete()
            for model in (BulkJob, Invoice, ThresholdNotice, UsageRollup, UsageEvent, WalletTopUp,
                          PackageBalance, MonitoringSubscription):  # fmt: skip
                model.objects.filter(contract__in=contracts).delete()
            contracts.delete()
            ApiKey.objects.filter(customer_id__in=customers).delete()
            Customer.objects.filter(pk__in=customers).delete()
            Price.objects.filter(district__in=districts).delete()
        finally:
            cursor.execute("SET session_replication_role = origin")
