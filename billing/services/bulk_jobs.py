"""Bulk jobs (批量任务): up to 100,000 codes for one product — scores (the batch query's price,
per organisation found) or monitoring enrolments — submitted over the API or as a CSV/XLSX file on
the institution pages, and processed by a task in chunks of `CHUNK` rows.

- Submission decides what needs no lookup: a code seen before in the job is `duplicate`, a code
  that is neither a valid 统一社会信用代码 nor an ID number is `invalid` (with the check-digit
  message), a valid ID number is `no_consent` (natural persons need their own written consent,
  which a bulk job cannot carry; whether the person has records here is never told).
- Each chunk (`bulk_job_chunk`) takes the job's row lock, looks its organisations up in the
  district and charges the found rows through `metering.metered_rows`: one acquisition of the
  contract lock for the chunk, one ledger entry per row with the idempotency key
  `job:<id>:<row>`, so a task run twice charges nothing twice. A row a limit refuses stops the
  job (`capped`, 已达月度上限); it and the rows after it stay `pending` (未处理) with the reason.
- When the last row is done, a `job.completed` event goes to the contract's webhook endpoints,
  signed as the monitoring events are (billing/services/webhooks.py).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import IO, Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import Workbook

from billing.enums import (
    BulkProduct,
    DeliveryStatus,
    JobStatus,
    ProductCode,
    RowStatus,
)
from billing.models import (
    ApiKey,
    BulkJob,
    BulkJobRow,
    Contract,
    MonitoringSubscription,
    WebhookDelivery,
    WebhookEndpoint,
)
from billing.money import month_start
from billing.services.metering import (
    RowCall,
    _idempotency_key_check,
    fingerprint,
    metered_rows,
)
from core.audit.services import audit_record
from core.collection.readers import check_size, check_upload, read_rows
from core.common.actors import Actor, ActorKind
from core.common.errors import Conflict, PermissionDenied, ValidationFailed
from core.common.identifiers import normalise, resident_id_problem, uscc_problem
from core.common.spreadsheets import neutralise
from core.common.tenancy import on_commit_here
from core.reports.enums import QueryProduct, QueryResult, RequesterKind
from core.reports.models import QueryLog
from core.scoring.models import SubjectScore
from core.subjects.enums import SubjectKind
from core.subjects.models import Subject

MAX_CODES = 100_000
CHUNK = 500
CHUNKS_PER_RUN = 20  # a task run does this many chunks, then queues the next run
LEDGER_PRODUCT = {
    BulkProduct.SCORE: ProductCode.BATCH_QUERY,
    BulkProduct.MONITORING: ProductCode.MONITORING,
}
PERSON_REASON = "自然人的信用信息须凭本人书面授权逐笔查询，批量任务不受理"
NOT_FOUND_REASON = "本平台没有该法人或非法人组织的信用信息，未计费"
EVENT_TYPE = "job.completed"


# --- Submission -----------------------------------------------------------------------------


def _product_check(product: str, contract: Contract) -> str:
    if product not in BulkProduct.values:
        raise ValidationFailed(
            f"不支持的批量产品“{product}”：应为 score（信用评分）或 monitoring（信用监测订阅）",
            field="product",
        )
    ledger = LEDGER_PRODUCT[BulkProduct(product)]
    if ledger not in contract.products:
        raise PermissionDenied("合同不包括此产品", code="OUT_OF_SCOPE")
    return ledger


def _codes_check(codes: list[str]) -> None:
    if not codes:
        raise ValidationFailed("代码列表为空：请至少提交1个统一社会信用代码", field="codes")
    if len(codes) > MAX_CODES:
        raise ValidationFailed(
            f"一次至多提交{MAX_CODES}个代码，本次为{len(codes)}个：请拆分为多个任务",
            field="codes",
        )


def _classified(job: BulkJob, codes: list[str]) -> Iterator[BulkJobRow]:
    seen: dict[str, int] = {}
    for row, raw in enumerate(codes, start=1):
        code = normalise(raw)[:40]
        status, reason = RowStatus.PENDING, ""
        if code in seen:
            status, reason = RowStatus.DUPLICATE, f"与第{seen[code]}行重复，未计费"
        elif len(code) == 18 and resident_id_problem(code) is None:
            status, reason = RowStatus.NO_CONSENT, PERSON_REASON
        elif (problem := uscc_problem(code)) is not None:
            status, reason = RowStatus.INVALID, f"代码无效：{problem.message}"
        seen.setdefault(code, row)
        yield BulkJobRow(job=job, row=row, code=code, status=status, reason=reason)


def bulk_job_submit(
    *, contract: Contract, key: ApiKey | None, product: str, codes: list[str], purpose: str,
    idempotency_key: str, source: str, created_by: str,
) -> BulkJob:  # fmt: skip
    """A new job (queued after commit), or the job this idempotency key already made."""
    _product_check(product, contract)
    _codes_check(codes)
    purpose = purpose.strip()
    if not 1 <= len(purpose) <= 200:
        raise ValidationFailed("请填写查询用途（200字以内）", field="purpose")
    _idempotency_key_check(idempotency_key)
    digest = hashlib.sha256("\n".join(normalise(c) for c in codes).encode()).hexdigest()
    params = fingerprint(product=product, codes=digest, purpose=purpose)
    earlier = BulkJob.objects.filter(contract=contract, idempotency_key=idempotency_key).first()
    if earlier is not None:
        return _same(earlier, params)
    try:
        with transaction.atomic():
            job = BulkJob.objects.create(
                contract=contract, api_key=key, product=product, purpose=purpose,
                idempotency_key=idempotency_key, fingerprint=params, source=source[:200],
                total=len(codes), created_by=created_by,
            )  # fmt: skip
            rows = list(_classified(job, codes))
            BulkJobRow.objects.bulk_create(rows, batch_size=5000)
            decided = sum(1 for r in rows if r.status != RowStatus.PENDING)
            BulkJob.objects.filter(pk=job.pk).update(done=decided)
            job.done = decided
            on_commit_here(lambda: _enqueue(job.pk))
    except IntegrityError:  # the same key submitted concurrently: that job is the answer
        return _same(
            BulkJob.objects.get(contract=contract, idempotency_key=idempotency_key), params
        )
    return job


def _same(job: BulkJob, params: str) -> BulkJob:
    if job.fingerprint != params:
        raise Conflict(
            "该幂等键已用于另一个不同内容的批量任务；新任务请使用新的幂等键",
            code="IDEMPOTENCY_KEY_REUSED", field="idempotencyKey",
        )  # fmt: skip
    return job


def _enqueue(job_id: int) -> None:
    from billing.tasks import bulk_job_task
    from core.common.broker import delay_or_defer

    delay_or_defer(bulk_job_task, job_id, deferred=f"bulk job {job_id} waits for a rerun")


def codes_from_file(stream: IO[bytes], filename: str, size: int) -> list[str]:
    """The codes of an uploaded CSV (UTF-8 or GBK) or XLSX: the first column of every row; a
    first row that is not a code (a header such as 统一社会信用代码) is skipped."""
    check_size(size)
    check_upload(stream)
    codes: list[str] = []
    for number, row in enumerate(read_rows(stream, filename), start=1):
        cell = row[0].strip() if row else ""
        if not cell:
            continue
        if number == 1 and not any(ch.isdigit() for ch in cell):
            continue  # a header
        codes.append(cell)
        if len(codes) > MAX_CODES:
            break  # enough to refuse the file: `_codes_check` says why
    return codes


# --- Processing -----------------------------------------------------------------------------


# A job whose worker died (or whose queueing was lost with the broker) waits in 排队中/处理中;
# the sweep queues it again. A second runner is harmless: each chunk takes the job's row lock and
# resumes at the first pending row, and rows are charged under their own idempotency keys.
STALLED_AFTER = timedelta(minutes=10)


def bulk_jobs_stalled(*, now: datetime | None = None) -> list[int]:
    """Unfinished jobs submitted more than STALLED_AFTER ago (a 100,000-row job takes under a
    minute when its worker runs)."""
    since = (now or timezone.now()) - STALLED_AFTER
    return list(
        BulkJob.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
                               created_at__lt=since)
        .order_by("pk").values_list("pk", flat=True)
    )  # fmt: skip


def bulk_job_run(job_id: int, *, chunks: int = CHUNKS_PER_RUN, chunk: int = CHUNK) -> bool:
    """Process up to `chunks` chunks of a job in its district; True when more rows remain."""
    job = BulkJob.objects.select_related("contract__district").get(pk=job_id)
    with schema_context(job.contract.district.schema_name):
        for _ in range(chunks):
            if not bulk_job_chunk(job_id, chunk=chunk):
                return False
    return True


def bulk_job_chunk(job_id: int, *, chunk: int = CHUNK) -> bool:
    """Process the next `chunk` pending rows (in the district's schema); False once the job is
    finished (done or capped)."""
    with transaction.atomic():
        job = (
            BulkJob.objects.select_for_update(of=("self",))
            .select_related("contract__customer", "contract__district", "api_key")
            .get(pk=job_id)
        )
        if job.status in (JobStatus.DONE, JobStatus.CAPPED):
            return False
        rows = list(
            BulkJobRow.objects.filter(job=job, status=RowStatus.PENDING).order_by("row")[:chunk]
        )
        if not rows:
            _finish(job, JobStatus.DONE, "")
            return False
        outcome = _process(job, rows)
        _rows_save(rows)
        finished = [r for r in rows if r.status != RowStatus.PENDING]
        BulkJob.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, done=F("done") + len(finished),
            found=F("found") + sum(1 for r in finished if r.status == RowStatus.FOUND),
            amount_yuan=F("amount_yuan") + outcome.amount,
        )  # fmt: skip
        if outcome.stopped:
            job.refresh_from_db()
            BulkJobRow.objects.filter(job=job, status=RowStatus.PENDING).update(
                reason=f"已达月度上限，未处理：{outcome.stopped}"[:300]
            )
            _finish(job, JobStatus.CAPPED, f"已达月度上限：{outcome.stopped}")
            return False
    return True


def _rows_save(rows: list[BulkJobRow]) -> None:
    """Write the chunk's statuses in one statement (Django's bulk_update builds a CASE per row and
    field: two thirds of a chunk's time at 500 rows)."""
    table = BulkJobRow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE public.{table} AS r SET status = v.status, reason = v.reason, "  # noqa: S608
            "result = v.result::jsonb "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) "
            "AS v(id, status, reason, result) WHERE r.id = v.id",
            [
                [r.pk for r in rows],
                [r.status for r in rows],
                [r.reason for r in rows],
                [json.dumps(r.result, ensure_ascii=False) for r in rows],
            ],
        )


@dataclass(frozen=True)
class _Outcome:
    amount: Decimal
    stopped: str


def _process(job: BulkJob, rows: list[BulkJobRow]) -> _Outcome:
    codes = [r.code for r in rows]
    subjects = {
        s.uscc: s for s in Subject.objects.filter(uscc__in=codes).exclude(kind=SubjectKind.NATURAL)
    }
    candidates: list[BulkJobRow] = []
    already: set[str] = set()
    if job.product == BulkProduct.MONITORING:
        already = set(
            MonitoringSubscription.objects.filter(
                contract_id=job.contract_id, subject_code__in=codes, ended_at__isnull=True
            ).values_list("subject_code", flat=True)
        )
    for r in rows:
        subject = subjects.get(r.code)
        if subject is None:
            r.status, r.reason = RowStatus.NOT_FOUND, NOT_FOUND_REASON
        elif r.code in already:
            r.status, r.reason = RowStatus.ALREADY, "已在监测中，未计费"
            r.result = {"code": r.code, "name": subject.name}
        else:
            candidates.append(r)
    if not candidates:
        return _Outcome(Decimal("0.00"), "")
    results = _results(job, [subjects[r.code] for r in candidates])
    calls = [
        RowCall(
            idempotency_key=f"job:{job.pk}:{r.row}",
            params=fingerprint(job=job.pk, row=r.row, code=r.code, product=job.product),
            reference=f"批量任务{job.pk}第{r.row}行"[:64],
            subject=f"{subjects[r.code].name}（{r.code}）",
            response=result,
        )
        for r, result in zip(candidates, results, strict=True)
    ]

    def serve(indexes: list[int]) -> None:
        _serve(job, [subjects[candidates[i].code] for i in indexes])

    charged = metered_rows(
        key=job.api_key, contract=job.contract, product=LEDGER_PRODUCT[BulkProduct(job.product)],
        calls=calls, serve=serve, recorded_by=_recorded_by(job),
    )  # fmt: skip
    for i in [*charged.charged, *charged.replayed]:
        candidates[i].status, candidates[i].reason = RowStatus.FOUND, ""
        candidates[i].result = calls[i].response
    return _Outcome(charged.amount_yuan, charged.stopped)


def _recorded_by(job: BulkJob) -> str:
    return f"api:{job.api_key.prefix}" if job.api_key is not None else job.created_by


def _results(job: BulkJob, subjects: list[Subject]) -> list[dict[str, Any]]:
    if job.product == BulkProduct.MONITORING:
        return [{"code": s.uscc or "", "name": s.name} for s in subjects]
    scores = {
        s.subject_id: s
        for s in SubjectScore.objects.filter(
            subject_id__in=[s.pk for s in subjects], is_current=True
        )
    }
    lines = []
    for s in subjects:
        score = scores.get(s.pk)
        lines.append({
            "code": s.uscc or "", "name": s.name,
            "score": score.total if score is not None else None,
            "grade": score.grade if score is not None else "",
            "scoredOn": f"{score.as_of:%Y-%m-%d}" if score is not None else "",
        })  # fmt: skip
    return lines


def _serve(job: BulkJob, subjects: list[Subject]) -> None:
    """Inside the charge's transaction: monitoring subscriptions, or the query log (one entry per
    subject, as a single score query logs it) and one district audit entry for the chunk."""
    now = timezone.now()
    contract = job.contract
    if job.product == BulkProduct.MONITORING:
        MonitoringSubscription.objects.bulk_create(
            [MonitoringSubscription(contract=contract, customer_id=contract.customer_id,
                                    district_id=contract.district_id, subject_code=s.uscc or "",
                                    subject_name=s.name, created_at=now,
                                    charged_through=month_start(timezone.localdate()))
             for s in subjects],
        )  # fmt: skip
        return
    customer = contract.customer
    handled_by = _recorded_by(job)
    QueryLog.objects.bulk_create(
        [QueryLog(subject=s, requester_kind=RequesterKind.INSTITUTION, requester_name=customer.name,
                  requester_code=normalise(customer.uscc), purpose=job.purpose,
                  product=QueryProduct.CREDIT_SCORE, result=QueryResult.ISSUED,
                  report_number=f"job:{job.pk}"[:32], handled_by=handled_by, at=now)
         for s in subjects],
        batch_size=1000,
    )  # fmt: skip
    actor = Actor(kind=ActorKind.USER, label=handled_by, schema=contract.district.schema_name)
    audit_record(actor=actor, action="query.answer",
                 details={"report": f"job:{job.pk}", "requester": customer.name,
                          "purpose": job.purpose, "subjects": len(subjects)})  # fmt: skip


def _finish(job: BulkJob, status: str, reason: str) -> None:
    now = timezone.now()
    BulkJob.objects.filter(pk=job.pk).update(status=status, stop_reason=reason[:300],
                                             finished_at=now)  # fmt: skip
    job.refresh_from_db()
    _completion_deliveries(job)


# --- Completion webhook ---------------------------------------------------------------------


def job_payload(job: BulkJob) -> dict[str, Any]:
    return {
        "id": f"job:{job.pk}",
        "type": EVENT_TYPE,
        "contract": job.contract.number,
        "district": job.contract.district.name,
        "job": {
            "id": job.pk, "product": job.product, "status": job.status.upper(),
            "total": job.total, "done": job.done, "found": job.found,
            "amountYuan": f"{job.amount_yuan:.2f}", "stopReason": job.stop_reason,
            "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
        },
    }  # fmt: skip


def _completion_deliveries(job: BulkJob) -> None:
    """One delivery per enabled endpoint of the contract (unique per endpoint and event id, so a
    finish seen twice posts once), queued after commit."""
    from billing.services.webhooks import RETRY_WINDOW
    from billing.services.webhooks import _enqueue as deliveries_enqueue

    now = timezone.now()
    endpoints = list(WebhookEndpoint.objects.filter(contract_id=job.contract_id, enabled=True))
    if not endpoints:
        return
    payload = job_payload(job)
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=e, event_id=payload["id"], change=EVENT_TYPE, payload=payload,
                         created_at=now, next_attempt_at=now, retry_until=now + RETRY_WINDOW)
         for e in endpoints],
        ignore_conflicts=True,
    )  # fmt: skip
    ids = list(
        WebhookDelivery.objects.filter(
            endpoint__in=endpoints, event_id=payload["id"], status=DeliveryStatus.PENDING
        ).values_list("pk", flat=True)
    )
    on_commit_here(lambda: deliveries_enqueue(ids))


# --- Results --------------------------------------------------------------------------------

COLUMNS = ["行号", "代码", "状态", "说明", "名称", "信用评分", "等级", "评分日期"]


def _lines(job: BulkJob) -> Iterable[list[Any]]:
    labels = dict(RowStatus.choices)
    rows = (
        BulkJobRow.objects.filter(job=job)
        .order_by("row")
        .values_list("row", "code", "status", "reason", "result")
    )
    for row, code, status, reason, result in rows.iterator(chunk_size=2000):
        yield [
            row, neutralise(code), labels[status], neutralise(reason),
            neutralise(str(result.get("name", ""))),
            result.get("score"), result.get("grade", ""), result.get("scoredOn", ""),
        ]  # fmt: skip


def results_csv(job: BulkJob) -> bytes:
    """UTF-8 with a byte-order mark (Excel opens it as Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for line in _lines(job):
        writer.writerow(["" if v is None else v for v in line])
    return out.getvalue().encode("utf-8-sig")


def results_xlsx(job: BulkJob) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("批量任务结果")
    sheet.append(COLUMNS)
    for line in _lines(job):
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def results_json(job: BulkJob) -> bytes:
    rows = (
        BulkJobRow.objects.filter(job=job)
        .order_by("row")
        .values_list("row", "code", "status", "reason", "result")
    )
    body = {
        **job_payload(job)["job"],
        "rows": [
            {"row": r, "code": c, "status": s.upper(), "reason": why, "result": res or None}
            for r, c, s, why, res in rows.iterator(chunk_size=2000)
        ],
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
