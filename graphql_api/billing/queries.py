from __future__ import annotations

import strawberry
from django.utils import timezone

from billing.enums import ProductCode
from billing.selectors import (
    invoices_of,
    monitoring_feed,
    monitoring_subscriptions,
    month_usage,
    package_units,
)
from billing.services.keys import rate_limit_take
from billing.services.metering import call_authorise_any
from core.common.errors import PermissionDenied
from graphql_api.billing.types import (
    BillingAccount,
    BulkJobType,
    InvoiceSummary,
    MonitoredSubject,
    MonitoringChange,
    MonitoringEventType,
    MonitoringFeed,
    ProductUsage,
)
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

    @strawberry.field(
        description="A bulk job of the calling institution here: progress and, with `first` "
        "(≤ 1000) from `offset`, its rows in order."
    )
    def bulk_job(self, info: Info, id: int, offset: int = 0, first: int = 0) -> BulkJobType:
        from billing.models import BulkJob
        from core.common.errors import NotFound
        from graphql_api.billing.mutations import bulk_job_type

        key, district = info.context.require_institution()
        rate_limit_take(key)
        contract = call_authorise_any(key=key, district=district, today=timezone.localdate())
        job = BulkJob.objects.filter(pk=id, contract=contract).first()
        if job is None:
            raise NotFound("没有该批量任务", field="id")
        return bulk_job_type(job, offset=max(offset, 0), first=first,
                             link=info.context.request.build_absolute_uri)  # fmt: skip

    @strawberry.field(
        description="信用监测: the subjects the institution monitors here and the changes to their "
        "records after `after` (oldest first, at most `first`, ≤ 500). Free: the subscription is "
        "charged per subject and month."
    )
    def monitoring(self, info: Info, after: str = "", first: int = 100) -> MonitoringFeed:
        key, district = info.context.require_institution()
        rate_limit_take(key)
        contract = call_authorise_any(key=key, district=district, today=timezone.localdate())
        if ProductCode.MONITORING not in contract.products:
            raise PermissionDenied("合同不包括信用监测订阅", code="OUT_OF_SCOPE")
        events, cursor = monitoring_feed(
            contract_id=contract.pk, after=after, limit=max(1, min(first, 500))
        )
        return MonitoringFeed(
            subjects=[MonitoredSubject(code=s.subject_code, name=s.subject_name, since=s.created_at,
                                       paid_through=s.charged_through)
                      for s in monitoring_subscriptions(contract.pk)],
            events=[MonitoringEventType(
                cursor=e.cursor, at=e.at, change=MonitoringChange(e.change),
                subject_code=e.subject_code, subject_name=e.subject_name,
                record_kind=e.record_kind, title=e.title, doc_number=e.doc_number,
                authority=e.authority, decision_date=e.decision_date) for e in events],
            cursor=cursor,
        )  # fmt: skip
