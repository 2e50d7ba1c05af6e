"""Billing reads: current prices, month-to-date usage from the rollups, what a district sells,
and the usage pages' tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Greatest
from django.utils import timezone

from billing.enums import ContractStatus, DeliveryStatus, EntryKind
from billing.models import (
    Contract,
    CreditNote,
    Customer,
    CustomerMember,
    Invoice,
    MonitoringSubscription,
    PackageBalance,
    Price,
    Product,
    UsageEvent,
    UsageRollup,
    WebhookDelivery,
    WebhookEndpoint,
)
from billing.money import month_start, next_month
from billing.pricing import price_describe
from core.common.errors import NotFound, ValidationFailed
from tenants.enums import DistrictKind


def price_current(district_id: int, product: str, day: date) -> Price | None:
    return (
        Price.objects.select_related("product")
        .filter(district_id=district_id, product__code=product, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )


@dataclass(frozen=True)
class MonthUsage:
    units: int
    amount_yuan: Decimal
    by_product: dict[str, int]


def month_usage(contract_id: int, day: date) -> MonthUsage:
    """Units and amount of calls this calendar month, from the daily rollups."""
    rows = list(
        UsageRollup.objects.filter(
            contract_id=contract_id, day__gte=month_start(day), day__lt=next_month(day)
        )
        .values("product__code")
        .annotate(units=Sum("units"), amount=Sum("amount_yuan"))
    )
    by_product = {r["product__code"]: int(r["units"]) for r in rows}
    amount = sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))
    return MonthUsage(units=sum(by_product.values()), amount_yuan=amount, by_product=by_product)


def contract_active(
    customer_id: int, district_id: int, day: date, *, idempotency_key: str = ""
) -> Contract | None:
    """The customer's contract in force in the district on `day`. With an idempotency key, the
    same query also finds the id of the ledger entry an earlier call with that key wrote
    (`earlier_event_id`, None when the key is new), so a first call costs no extra round trip."""
    contracts = Contract.objects.filter(
        customer_id=customer_id, district_id=district_id, status=ContractStatus.ACTIVE
    )
    if idempotency_key:
        earlier = UsageEvent.objects.filter(
            contract=OuterRef("pk"), idempotency_key=idempotency_key
        )
        contracts = contracts.annotate(earlier_event_id=Subquery(earlier.values("pk")[:1]))
    contract = contracts.first()
    if contract is None or contract.valid_from > day:
        return None
    if contract.valid_until is not None and contract.valid_until < day:
        return None
    return contract


@dataclass(frozen=True)
class Offer:
    """A product as the portal's 信用增值服务 page shows it."""

    code: str
    name: str
    description: str
    price: str
    since: date


def district_offers(district_id: int, day: date) -> list[Offer]:
    """Each product's price in force on `day` (one query: the latest version per product)."""
    prices = (
        Price.objects.select_related("product")
        .filter(district_id=district_id, valid_from__lte=day)
        .order_by("product__sort", "product_id", "-valid_from")
        .distinct("product__sort", "product_id")
    )
    return [Offer(code=p.product.code, name=p.product.name, description=p.product.description,
                  price=price_describe(p), since=p.valid_from) for p in prices]  # fmt: skip


def package_units(contract_id: int) -> dict[str, int]:
    return {
        b.product.code: b.units_remaining
        for b in PackageBalance.objects.select_related("product").filter(contract_id=contract_id)
    }


@dataclass(frozen=True)
class UsageRow:
    customer: str
    district: str
    product: str
    units: int
    amount_yuan: Decimal


def usage_table(*, start: date, end: date, customer_id: int | None = None) -> list[UsageRow]:
    """Usage per customer, district and product between two days (inclusive), from rollups."""
    rows: QuerySet[UsageRollup] = UsageRollup.objects.filter(day__gte=start, day__lte=end).exclude(
        district__kind=DistrictKind.SANDBOX
    )  # test calls are not sales
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    # Grouped by ids (two customers may share a name), shown by name.
    grouped = (
        rows.values("customer_id", "customer__name", "district_id", "district__name",
                    "product__sort", "product__name")
        .annotate(units=Sum("units"), amount=Sum("amount_yuan"))
        .order_by("customer__name", "customer_id", "district__name", "district_id", "product__sort")
    )  # fmt: skip
    return [UsageRow(customer=r["customer__name"], district=r["district__name"],
                     product=r["product__name"], units=int(r["units"]),
                     amount_yuan=Decimal(r["amount"])) for r in grouped]  # fmt: skip


def invoices_of(customer_id: int) -> QuerySet[Invoice]:
    return Invoice.objects.select_related("district").filter(customer_id=customer_id)


def customer_get_for_user(user_id: int) -> Customer | None:
    """The customer an operator-domain login belongs to (its CustomerMember row), if any."""
    member = CustomerMember.objects.select_related("customer").filter(user_id=user_id).first()
    return member.customer if member is not None else None


@dataclass(frozen=True)
class ContractStanding:
    """A contract as the institution's page shows it: usage this month and what is left."""

    contract: Contract
    usage: MonthUsage
    remaining_units: int | None  # None: no cap of that kind
    remaining_yuan: Decimal | None
    packages: list[tuple[str, int]]  # (product name, units left)


def contract_standing_list(*, customer_id: int, day: date) -> list[ContractStanding]:
    """Every contract of a customer (any status), with its month-to-date usage and balances."""
    names = dict(Product.objects.values_list("code", "name"))
    standings = []
    for contract in Contract.objects.select_related("district").filter(customer_id=customer_id):
        usage = month_usage(contract.pk, day)
        cap_units, cap_yuan = contract.monthly_cap_units, contract.monthly_cap_yuan
        standings.append(
            ContractStanding(
                contract=contract,
                usage=usage,
                remaining_units=None if cap_units is None else max(0, cap_units - usage.units),
                remaining_yuan=None
                if cap_yuan is None
                else max(Decimal("0.00"), cap_yuan - usage.amount_yuan),
                packages=[
                    (names.get(code, code), units)
                    for code, units in sorted(package_units(contract.pk).items())
                ],
            )
        )
    return standings


def invoice_access_by_number(*, customer_id: int, number: str) -> Invoice:
    """One of the customer's invoices; the same NotFound whether it is missing or another's."""
    invoice = (
        Invoice.objects.select_related("customer", "district", "contract")
        .filter(customer_id=customer_id, number=number)
        .first()
    )
    if invoice is None:
        raise NotFound(f"没有账单“{number}”", field="number")
    return invoice


def credit_notes_of(invoice_id: int) -> list[CreditNote]:
    return list(CreditNote.objects.filter(invoice_id=invoice_id).order_by("issued_at", "id"))


@dataclass(frozen=True)
class MonitoringEvent:
    """A change to a monitored subject's record, as the institution's feed shows it."""

    cursor: str
    at: datetime
    change: str  # new | updated | withdrawn | repaired | expired
    subject_code: str
    subject_name: str
    record_kind: str
    title: str
    doc_number: str
    authority: str
    decision_date: date


def _change(record: Any) -> str:
    at = record.changed_at
    for change, value in (("withdrawn", record.withdrawn_at), ("repaired", record.repaired_at),
                          ("expired", record.expired_at)):  # fmt: skip
        if value == at:
            return change
    return "new" if record.created_at == at else "updated"


def monitoring_feed(
    *, contract_id: int, after: str = "", limit: int = 100
) -> tuple[list[MonitoringEvent], str]:
    """Changes to the records of the subjects the contract monitors, oldest first, each after the
    subscription started (and before it ended). `after` is the cursor of the last event read; the
    second value is the cursor to pass next (unchanged when there is nothing new). Runs in the
    district's schema."""
    from core.records.enums import RecordKind, RecordState
    from core.records.models import Record
    from core.records.state import record_state

    after_at, after_id = _cursor_parse(after)
    windows = {
        s.subject_code: s
        for s in MonitoringSubscription.objects.filter(contract_id=contract_id).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=after_at)
        )
    }
    rows = (
        Record.objects.filter(subject__uscc__in=list(windows))
        .annotate(changed_at=Greatest("created_at", "updated_at", "withdrawn_at", "repaired_at",
                                      "expired_at"))
        .filter(Q(changed_at__gt=after_at) | Q(changed_at=after_at, pk__gt=after_id))
        .select_related("subject")
        .order_by("changed_at", "pk")[:limit]
    )  # fmt: skip
    events: list[MonitoringEvent] = []
    cursor, today = after, timezone.localdate()
    for record in rows:
        at: datetime = record.changed_at  # type: ignore[attr-defined]  # the annotation above
        cursor = f"{at.isoformat()}|{record.pk}"
        window = windows[record.subject.uscc or ""]
        change = _change(record)
        if at <= window.created_at or (window.ended_at is not None and at > window.ended_at):
            continue
        if change in ("new", "updated") and record_state(record, today) not in (
            RecordState.PUBLISHED,
            RecordState.DISPUTED,
        ):
            continue
        events.append(MonitoringEvent(
            cursor=cursor, at=at, change=change, subject_code=window.subject_code,
            subject_name=record.subject.name, record_kind=RecordKind(record.kind).label,
            title=record.title, doc_number=record.doc_number, authority=record.authority_name,
            decision_date=record.decision_date,
        ))  # fmt: skip
    return events, cursor


def _cursor_parse(cursor: str) -> tuple[datetime, int]:
    if not cursor:
        return datetime(2000, 1, 1, tzinfo=UTC), 0
    at, _, pk = cursor.partition("|")
    try:
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None or not pk.isdigit():
            raise ValueError(cursor)
    except ValueError:
        raise ValidationFailed("游标无效：请使用上一次返回的 cursor", field="after") from None
    return parsed, int(pk)


def monitoring_subscriptions(contract_id: int) -> QuerySet[MonitoringSubscription]:
    return MonitoringSubscription.objects.filter(contract_id=contract_id, ended_at__isnull=True)


@dataclass(frozen=True)
class CallRow:
    """One ledger entry as the per-call usage list and its export show it. `invoice_line` is the
    1-based line of `invoice_number` the entry is summed into; an entry that corrects an
    invoiced month after its close is on a credit note instead (`credit_note`)."""

    event_id: int
    at: datetime  # Beijing time
    district: str
    contract: str
    product: str
    kind: str
    idempotency_key: str
    subject: str
    units: int
    amount_yuan: Decimal
    invoice_number: str
    invoice_line: int | None
    credit_note: str


def usage_calls(
    *, customer_id: int, month: date, product: str = "", contract_id: int | None = None
) -> QuerySet[UsageEvent]:
    """A customer's ledger entries of a month (by the month they are billed in), oldest first;
    optionally of one product (code) or contract."""
    events = (
        UsageEvent.objects.select_related("district", "contract", "product")
        .filter(customer_id=customer_id, period=month_start(month))
        .exclude(district__kind=DistrictKind.SANDBOX)  # never invoiced, so never reconciled
    )
    if product:
        events = events.filter(product__code=product)
    if contract_id is not None:
        events = events.filter(contract_id=contract_id)
    return events.order_by("occurred_at", "id")


def call_rows(events: list[UsageEvent]) -> list[CallRow]:
    """The entries with the invoice line (or credit note) each fell on, in three queries."""
    pairs = {(e.contract_id, e.period) for e in events}
    invoices: dict[tuple[int, date], Invoice] = {}
    if pairs:
        query = Q()
        for contract_id, period in pairs:
            query |= Q(contract_id=contract_id, period=period)
        invoices = {(i.contract_id, i.period): i for i in Invoice.objects.filter(query)}
    notes = dict(
        CreditNote.objects.filter(correction_id__in=[e.pk for e in events]).values_list(
            "correction_id", "number"
        )
    )
    rows = []
    for event in events:
        invoice = invoices.get((event.contract_id, event.period))
        line: int | None = None
        note = notes.get(event.pk, "")
        if invoice is not None and not note:
            kind = EntryKind(event.kind).label
            line = next(
                (n for n, item in enumerate(invoice.lines, start=1)
                 if item["product"] == event.product.name and item["kind"] == kind),
                None,
            )  # fmt: skip
        rows.append(CallRow(
            event_id=event.pk, at=timezone.localtime(event.occurred_at),
            district=event.district.name, contract=event.contract.number,
            product=event.product.name, kind=EntryKind(event.kind).label,
            idempotency_key=event.idempotency_key, subject=event.subject, units=event.units,
            amount_yuan=event.amount_yuan,
            invoice_number=invoice.number if invoice is not None else "",
            invoice_line=line, credit_note=note,
        ))  # fmt: skip
    return rows


def webhook_endpoints_of(customer_id: int) -> QuerySet[WebhookEndpoint]:
    """The customer's endpoints, each with `failed`: its deliveries given up after three days."""
    return (
        WebhookEndpoint.objects.select_related("contract__district")
        .filter(contract__customer_id=customer_id)
        .annotate(failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)))
    )


def webhook_endpoint_of(*, customer_id: int, pk: int) -> WebhookEndpoint:
    """One of the customer's endpoints; the same NotFound whether it is missing or another's."""
    endpoint = webhook_endpoints_of(customer_id).filter(pk=pk).first()
    if endpoint is None:
        raise NotFound("没有该推送地址", field="endpoint")
    return endpoint


def webhook_deliveries_of(endpoint_id: int, *, limit: int = 50) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first."""
    return list(WebhookDelivery.objects.filter(endpoint_id=endpoint_id)[:limit])


def webhook_delivery_of(*, endpoint: WebhookEndpoint, pk: int) -> WebhookDelivery:
    delivery = (
        WebhookDelivery.objects.select_related("endpoint__contract__district")
        .filter(endpoint=endpoint, pk=pk)
        .first()
    )
    if delivery is None:
        raise NotFound("没有该推送记录", field="delivery")
    return delivery
