from __future__ import annotations

import base64
import binascii
import io
from datetime import date
from enum import Enum
from typing import Any

import strawberry
from django.core.files.storage import default_storage
from django.utils import timezone

from billing.models import BulkJob, BulkJobRow
from billing.services.bulk_jobs import PdfLink, bulk_job_submit, report_pdf_links
from billing.services.consents import consent_lodge_for_institution
from billing.services.keys import RateLimited, rate_limit_take
from billing.services.metering import call_authorise_any
from billing.services.monitoring import monitoring_subscribe, monitoring_unsubscribe
from billing.services.purchases import report_purchase, score_purchase
from core.common.errors import ApplicationError
from core.reports.enums import QueryProduct
from core.reports.selectors import report_content, report_site
from core.reports.services import ConsentTerms
from graphql_api.billing.types import (
    BillingError,
    BillingErrorCode,
    BulkJobType,
    ChargeType,
    PurchasedReport,
    ScoreResult,
)
from graphql_api.context import Info

__all__ = ["BillingMutation"]

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


@strawberry.enum(description="Report products sold to institutions.")
class ReportProduct(Enum):
    BASIC_REPORT = "basic_report"
    FULL_REPORT = "full_report"


@strawberry.enum(description="What a consent authorises.")
class ConsentScope(Enum):
    CREDIT_REPORT = "credit_report"
    CREDIT_SCORE = "credit_score"


@strawberry.input(description="Buy one credit report.")
class ReportPurchaseInput:
    product: ReportProduct = strawberry.field(description="basic (public information) or full.")
    subject_code: str = strawberry.field(description="统一社会信用代码 or 18-digit ID number.")
    purpose: str = strawberry.field(description="Why, as on the consent (e.g. 贷款审查).")
    idempotency_key: str = strawberry.field(
        description="8–64 characters, new for each purchase, the same on a retry."
    )
    consent_id: int | None = strawberry.field(
        default=None,
        description="Consent lodged with consentLodge: required for natural persons and full reports.",
    )


@strawberry.type(description="Result of reportPurchase.")
class ReportPurchasePayload:
    report: PurchasedReport | None
    charge: ChargeType | None
    errors: list[BillingError]


@strawberry.input(
    description="Buy current scores of one organisation (score query) or of 2–100 (batch)."
)
class ScorePurchaseInput:
    subject_codes: list[str] = strawberry.field(description="统一社会信用代码, 1–100.")
    purpose: str = strawberry.field(description="Why (e.g. 授信审查).")
    idempotency_key: str = strawberry.field(description="New for each purchase, same on retry.")


@strawberry.type(description="Result of scorePurchase.")
class ScorePurchasePayload:
    scores: list[ScoreResult]
    not_found: list[str] = strawberry.field(description="Codes not charged: no organisation found.")
    charge: ChargeType | None
    errors: list[BillingError]


@strawberry.input(
    description="Start monitoring organisations (信用监测订阅), charged per new subject."
)
class MonitoringSubscribeInput:
    subject_codes: list[str] = strawberry.field(description="统一社会信用代码, 1–100.")
    idempotency_key: str = strawberry.field(description="New for each request, same on retry.")


@strawberry.type(description="Result of monitoringSubscribe.")
class MonitoringSubscribePayload:
    subscribed: list[str] = strawberry.field(description="Newly monitored, charged.")
    already_monitored: list[str] = strawberry.field(description="Already monitored, not charged.")
    not_found: list[str] = strawberry.field(description="No organisation found, not charged.")
    charge: ChargeType | None
    errors: list[BillingError]


@strawberry.input(description="Stop monitoring organisations (the month paid is not refunded).")
class MonitoringUnsubscribeInput:
    subject_codes: list[str]


@strawberry.type(description="Result of monitoringUnsubscribe.")
class MonitoringUnsubscribePayload:
    ended: list[str] = strawberry.field(description="Codes no longer monitored.")
    errors: list[BillingError]


@strawberry.input(description="A subject's signed authorisation for the calling institution.")
class ConsentLodgeInput:
    subject_code: str
    purpose: str
    scope: list[ConsentScope]
    valid_from: date
    valid_until: date
    document_base64: str = strawberry.field(
        description="The signed authorisation, PDF/PNG/JPG ≤ 5 MB."
    )


@strawberry.enum(description="Where a lodged consent stands.")
class ConsentState(Enum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


@strawberry.type(description="Result of consentLodge.")
class ConsentLodgePayload:
    consent_id: int | None
    status: ConsentState | None = strawberry.field(
        description="PENDING until the district has checked a natural person's consent."
    )
    errors: list[BillingError]


@strawberry.input(description="A bulk job (批量任务): up to 100,000 codes for one product.")
class BulkJobSubmitInput:
    product: str = strawberry.field(
        description="score (scores, priced as batch_query per organisation found), monitoring, "
        "or basic_report (a basic credit report per organisation found, priced as basic_report)."
    )
    codes: list[str] = strawberry.field(
        description="统一社会信用代码, 1–100,000, in variables (or post a file to /api/bulk-jobs/)."
    )
    purpose: str = strawberry.field(description="Why (e.g. 贷后管理).")
    idempotency_key: str = strawberry.field(
        description="New for each job; the same on a retry returns the job already made."
    )


@strawberry.type(description="Result of bulkJobSubmit.")
class BulkJobSubmitPayload:
    job: BulkJobType | None
    errors: list[BillingError]


def bulk_job_type(
    job: BulkJob, *, offset: int = 0, first: int = 0, link: PdfLink | None = None
) -> BulkJobType:
    """The job and the rows asked for; a basic report's row gets its PDF link (`link` makes the
    storage URL absolute), as reportPurchase gives `pdfUrl`."""
    from graphql_api.billing.types import BulkJobRowType

    rows = (
        list(job.rows.order_by("row")[offset : offset + min(max(first, 0), 1000)]) if first else []
    )
    numbers = [str(r.result["report"]) for r in rows if r.result and r.result.get("report")]
    links = report_pdf_links(job, numbers, link) if link is not None and numbers else {}

    def result(r: BulkJobRow) -> Any:  # strawberry's JSON scalar
        number = str((r.result or {}).get("report", ""))
        return {**r.result, "pdfUrl": links[number]} if number in links else (r.result or None)

    return BulkJobType(
        id=job.pk, product=job.product, status=job.status.upper(), total=job.total,
        done=job.done, found=job.found, amount_yuan=job.amount_yuan, stop_reason=job.stop_reason,
        rows=[BulkJobRowType(row=r.row, code=r.code, status=r.status.upper(), reason=r.reason,
                             result=result(r)) for r in rows],
    )  # fmt: skip


def _error(info: Info, exc: ApplicationError) -> BillingError:
    retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
    if retry_after is not None:
        info.context.response["Retry-After"] = str(retry_after)
    code = (
        BillingErrorCode[exc.code]
        if exc.code in BillingErrorCode.__members__
        else BillingErrorCode.INVALID
    )
    return BillingError(code=code, message=exc.message, field=exc.field, retry_after=retry_after)


@strawberry.type
class BillingMutation:
    @strawberry.mutation(
        description="Buy a credit report (institutions, with their API key). Metered."
    )
    def report_purchase(self, info: Info, data: ReportPurchaseInput) -> ReportPurchasePayload:
        try:
            key, district = info.context.require_institution()
            report, charge = report_purchase(
                key=key, district=district, product=data.product.value,
                subject_code=data.subject_code, purpose=data.purpose, consent_id=data.consent_id,
                idempotency_key=data.idempotency_key, site=report_site(verify_url=info.context.request.build_absolute_uri("/reports/verify/")),
            )  # fmt: skip
        except ApplicationError as exc:
            return ReportPurchasePayload(report=None, charge=None, errors=[_error(info, exc)])
        url = info.context.request.build_absolute_uri(default_storage.url(report.stored_pdf))
        return ReportPurchasePayload(
            report=PurchasedReport(
                number=report.number,
                verification_code=report.verification_code,
                issued_at=report.issued_at,
                content=report_content(report),  # type: ignore[arg-type]
                pdf_url=url,
            ),  # fmt: skip
            charge=ChargeType.from_charge(charge),
            errors=[],
        )

    @strawberry.mutation(
        description="Buy scores of organisations (institutions). Metered per organisation found."
    )
    def score_purchase(self, info: Info, data: ScorePurchaseInput) -> ScorePurchasePayload:
        try:
            key, district = info.context.require_institution()
            scores, missing, charge = score_purchase(
                key=key, district=district, subject_codes=data.subject_codes,
                purpose=data.purpose, idempotency_key=data.idempotency_key,
            )  # fmt: skip
        except ApplicationError as exc:
            return ScorePurchasePayload(
                scores=[], not_found=[], charge=None, errors=[_error(info, exc)]
            )
        return ScorePurchasePayload(
            scores=[
                ScoreResult(
                    code=s["code"],
                    name=s["name"],
                    score=s["score"],
                    grade=s["grade"],
                    scored_on=s["scoredOn"],
                )
                for s in scores
            ],  # fmt: skip
            not_found=missing,
            charge=ChargeType.from_charge(charge),
            errors=[],
        )

    @strawberry.mutation(description="Monitor organisations' credit records. Metered per subject.")
    def monitoring_subscribe(
        self, info: Info, data: MonitoringSubscribeInput
    ) -> MonitoringSubscribePayload:
        try:
            key, district = info.context.require_institution()
            done = monitoring_subscribe(key=key, district=district, subject_codes=data.subject_codes,
                                        idempotency_key=data.idempotency_key)  # fmt: skip
        except ApplicationError as exc:
            return MonitoringSubscribePayload(subscribed=[], already_monitored=[], not_found=[],
                                              charge=None, errors=[_error(info, exc)])  # fmt: skip
        return MonitoringSubscribePayload(subscribed=done.subscribed, already_monitored=done.already,
                                          not_found=done.not_found,
                                          charge=ChargeType.from_charge(done.charge), errors=[])  # fmt: skip

    @strawberry.mutation(
        description=(
            "Submit a bulk job (批量任务): processed asynchronously; poll bulkJob(id) for progress "
            "and rows. Each found row is charged once (idempotency key job:<id>:<row>); a monthly "
            "cap stops the job (CAPPED) with the rows after it unprocessed."
        )
    )
    def bulk_job_submit(self, info: Info, data: BulkJobSubmitInput) -> BulkJobSubmitPayload:
        try:
            key, district = info.context.require_institution()
            rate_limit_take(key)
            contract = call_authorise_any(key=key, district=district, today=timezone.localdate())
            request = info.context.request
            job = bulk_job_submit(contract=contract, key=key, product=data.product,
                                  codes=data.codes, purpose=data.purpose,
                                  idempotency_key=data.idempotency_key, source="api",
                                  created_by=f"api:{key.prefix}",
                                  verify_url=request.build_absolute_uri("/reports/verify/"))  # fmt: skip
        except ApplicationError as exc:
            return BulkJobSubmitPayload(job=None, errors=[_error(info, exc)])
        return BulkJobSubmitPayload(job=bulk_job_type(job), errors=[])

    @strawberry.mutation(description="Stop monitoring organisations. Free.")
    def monitoring_unsubscribe(
        self, info: Info, data: MonitoringUnsubscribeInput
    ) -> MonitoringUnsubscribePayload:
        try:
            key, district = info.context.require_institution()
            ended = monitoring_unsubscribe(
                key=key, district=district, subject_codes=data.subject_codes
            )
        except ApplicationError as exc:
            return MonitoringUnsubscribePayload(ended=[], errors=[_error(info, exc)])
        return MonitoringUnsubscribePayload(ended=ended, errors=[])

    @strawberry.mutation(
        description=(
            "Lodge a subject's signed authorisation for later purchases. Free, but checked like a "
            "purchase (key scope, contract, rate limit) and logged. A natural person's consent "
            "waits for the district's check (status PENDING) before it can be used."
        )
    )
    def consent_lodge(self, info: Info, data: ConsentLodgeInput) -> ConsentLodgePayload:
        try:
            key, district = info.context.require_institution()
            try:
                document = base64.b64decode(data.document_base64, validate=True)
            except (binascii.Error, ValueError):
                raise ApplicationError(
                    "授权书应为 Base64 编码的文件", field="documentBase64"
                ) from None
            if len(document) > MAX_DOCUMENT_BYTES:
                raise ApplicationError("授权书文件不能超过5 MB", field="documentBase64")
            terms = ConsentTerms(
                grantee_name=key.customer.name, grantee_code=key.customer.uscc,
                purpose=data.purpose, products=[QueryProduct(s.value).value for s in data.scope],
                valid_from=data.valid_from, valid_until=data.valid_until,
            )  # fmt: skip
            consent = consent_lodge_for_institution(
                key=key, district=district, subject_code=data.subject_code, terms=terms,
                document=io.BytesIO(document),
            )  # fmt: skip
        except ApplicationError as exc:
            return ConsentLodgePayload(consent_id=None, status=None, errors=[_error(info, exc)])
        return ConsentLodgePayload(
            consent_id=consent.pk, status=ConsentState(consent.status), errors=[]
        )
