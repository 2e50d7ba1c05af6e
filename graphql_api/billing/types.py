from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import strawberry

from billing.services.metering import Charge

__all__ = ["BillingError", "BillingErrorCode", "ChargeType"]


@strawberry.enum(description="Why a purchase or a billing request failed.")
class BillingErrorCode(Enum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    OUT_OF_SCOPE = "OUT_OF_SCOPE"
    NO_CONTRACT = "NO_CONTRACT"
    NOT_FOR_SALE = "NOT_FOR_SALE"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    WALLET_INSUFFICIENT = "WALLET_INSUFFICIENT"
    PACKAGE_EXHAUSTED = "PACKAGE_EXHAUSTED"
    RATE_LIMITED = "RATE_LIMITED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    CONFLICT = "CONFLICT"
    SANDBOX_KEY = "SANDBOX_KEY"
    LIVE_KEY_IN_SANDBOX = "LIVE_KEY_IN_SANDBOX"


@strawberry.type(description="A problem with the request; nothing was charged.")
class BillingError:
    code: BillingErrorCode = strawberry.field(description="Machine-readable error code.")
    message: str = strawberry.field(description="What is wrong, in Chinese.")
    field: str | None = strawberry.field(description="The input field at fault.")
    retry_after: int | None = strawberry.field(
        description="For RATE_LIMITED: seconds to wait (also sent as the Retry-After header)."
    )


@strawberry.type(description="What a call cost and what is left.")
class ChargeType:
    product: str = strawberry.field(description="Product code, e.g. basic_report.")
    units: int = strawberry.field(description="Units charged.")
    amount_yuan: Decimal = strawberry.field(description="Amount charged, yuan, VAT included.")
    replayed: bool = strawberry.field(
        description="True when this answers a retry with an earlier idempotency key: not charged again."
    )
    remaining_units: int | None = strawberry.field(description="Calls left under the monthly cap.")
    remaining_yuan: Decimal | None = strawberry.field(
        description="Yuan left under the monthly cap."
    )
    wallet_balance_yuan: Decimal | None = strawberry.field(description="Prepaid wallet balance.")
    package_units_remaining: int | None = strawberry.field(
        description="Prepaid package units left."
    )

    @classmethod
    def from_charge(cls, charge: Charge) -> ChargeType:
        return cls(
            product=charge.product,
            units=charge.units,
            amount_yuan=charge.amount_yuan,
            replayed=charge.replayed,
            remaining_units=charge.remaining_units,
            remaining_yuan=charge.remaining_yuan,
            wallet_balance_yuan=charge.wallet_balance_yuan,
            package_units_remaining=charge.package_units_remaining,
        )


@strawberry.type(description="An issued credit report.")
class PurchasedReport:
    number: str = strawberry.field(description="Report number.")
    verification_code: str = strawberry.field(description="Code to verify the report online.")
    issued_at: datetime = strawberry.field(description="When it was issued.")
    content: strawberry.scalars.JSON = strawberry.field(
        description="The report (schema credit-report/1.0)."
    )
    pdf_url: str = strawberry.field(description="Short-lived link to the PDF.")


@strawberry.type(description="A subject's current score.")
class ScoreResult:
    code: str = strawberry.field(description="统一社会信用代码.")
    name: str = strawberry.field(description="Subject name.")
    score: int | None = strawberry.field(description="0–1000; null when not yet scored.")
    grade: str = strawberry.field(description="A, B, C or D.")
    scored_on: str = strawberry.field(description="Score's reference date, YYYY-MM-DD.")


@strawberry.type(description="Month-to-date usage of one product.")
class ProductUsage:
    product: str
    units: int


@strawberry.type(description="One month's invoice.")
class InvoiceSummary:
    number: str
    period: date
    total_yuan: Decimal
    issued_at: datetime


@strawberry.type(description="The calling institution's account in this district.")
class BillingAccount:
    customer: str
    contract: str
    mode: str = strawberry.field(description="postpaid or prepaid.")
    products: list[str]
    monthly_cap_units: int | None
    monthly_cap_yuan: Decimal | None
    used_units: int = strawberry.field(description="Calls charged this month.")
    used_yuan: Decimal = strawberry.field(description="Amount charged this month.")
    wallet_balance_yuan: Decimal | None
    packages: list[ProductUsage] = strawberry.field(description="Prepaid package units left.")
    usage: list[ProductUsage] = strawberry.field(description="This month, per product.")
    invoices: list[InvoiceSummary]


@strawberry.type(description="A subject the institution monitors here (信用监测订阅).")
class MonitoredSubject:
    code: str = strawberry.field(description="统一社会信用代码.")
    name: str
    since: datetime = strawberry.field(description="Changes after this moment are in the feed.")
    paid_through: date = strawberry.field(description="First day of the last month paid for.")


@strawberry.enum(description="What happened to a monitored subject's record.")
class MonitoringChange(Enum):
    NEW = "new"
    UPDATED = "updated"
    WITHDRAWN = "withdrawn"
    REPAIRED = "repaired"
    EXPIRED = "expired"


@strawberry.type(description="A change to a monitored subject's credit record.")
class MonitoringEventType:
    cursor: str = strawberry.field(
        description="Pass as `after` to read the changes after this one."
    )
    at: datetime
    change: MonitoringChange
    subject_code: str
    subject_name: str
    record_kind: str = strawberry.field(description="行政处罚, 严重失信主体名单 …")
    title: str
    doc_number: str
    authority: str
    decision_date: date


@strawberry.type(description="The institution's monitored subjects and the changes since `after`.")
class MonitoringFeed:
    subjects: list[MonitoredSubject]
    events: list[MonitoringEventType]
    cursor: str = strawberry.field(
        description="Pass as `after` next time; the same value when nothing new happened."
    )


@strawberry.type(description="A bulk job row: the code, what was found, why not.")
class BulkJobRowType:
    row: int = strawberry.field(description="Position in the submitted list, from 1.")
    code: str
    status: str = strawberry.field(
        description="PENDING, FOUND, NOT_FOUND, NO_CONSENT, INVALID, DUPLICATE or ALREADY."
    )
    reason: str = strawberry.field(description="Why, in Chinese (empty when found).")
    result: strawberry.scalars.JSON | None = strawberry.field(
        description="The answer for a found row (score line, the subscribed subject, or the "
        "basic report's number `report` and its short-lived PDF link `pdfUrl`)."
    )


@strawberry.type(description="A bulk job (批量任务) and its progress.")
class BulkJobType:
    id: int
    product: str = strawberry.field(description="score, monitoring or basic_report.")
    status: str = strawberry.field(description="QUEUED, RUNNING, DONE or CAPPED.")
    total: int = strawberry.field(description="Rows submitted.")
    done: int = strawberry.field(description="Rows with a final status.")
    found: int = strawberry.field(description="Rows found and charged.")
    amount_yuan: Decimal = strawberry.field(description="Charged so far, yuan, VAT included.")
    stop_reason: str = strawberry.field(description="Why the job stopped early (a cap), if it did.")
    rows: list[BulkJobRowType] = strawberry.field(
        description="The rows asked for (`offset`, `first` ≤ 1000), in order."
    )
