"""Bulk jobs (批量任务): up to 100,000 codes for one product — scores (the batch query's price,
per organisation found), monitoring enrolments or basic credit reports — submitted over the API
(codes in GraphQL variables, or a CSV/XLSX file posted to the REST endpoint in billing/api.py) or
as a file on the institution pages, and processed by a task in chunks of `CHUNK` rows
(`REPORT_CHUNK` for reports, whose PDFs a chunk holds until it is stored).

- Submission decides what needs no lookup: a code seen before in the job is `duplicate`, a code
  that is neither a valid 统一社会信用代码 nor an ID number is `invalid` (with the check-digit
  message). Every submission is in the platform audit log.
- A valid ID number is refused `no_consent` when its chunk is processed (natural persons need
  their own written consent, which a bulk job cannot carry), exactly as a single report purchase
  refuses it: a person the district holds is logged in its query log as refused, a person it does
  not hold is audited with the masked number; the row reads the same either way, so whether the
  person has records here is never told.
- A basic-report row is issued as `report_purchase` issues one: the same authorisation, number,
  rendering (JSON and PDF, before the contract lock) and storage (`report_store`, which logs the
  query as issued), charged per row; a rerun answers a charged row with its report from the
  ledger and renders nothing again.
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
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import IO, Any

from django.core.files.storage import default_storage
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
    UsageEvent,
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
from core.common.identifiers import (
    mask_resident_id,
    normalise,
    resident_id_problem,
    uscc_problem,
)
from core.common.spreadsheets import neutralise
from core.common.tenancy import on_commit_here
from core.reports.enums import QueryProduct, QueryResult, RequesterKind
from core.reports.models import QueryLog, Report
from core.reports.selectors import report_site
from core.reports.services import (
    PreparedReport,
    Requester,
    query_authorise,
    report_prepare,
    report_store,
)
from core.reports.services.issuing import PERSON_NEEDS_CONSENT
from core.scoring.models import SubjectScore
from core.subjects.enums import SubjectKind
from core.subjects.models import Subject
from core.subjects.protection import lookup_hashes
from tenants.audit import platform_audit_record

MAX_CODES = 100_000
CHUNK = 500
REPORT_CHUNK = 50  # a report chunk holds its rendered PDFs until they are stored
CHUNKS_PER_RUN = 20  # a task run does this many chunks, then queues the next run
LEDGER_PRODUCT = {
    BulkProduct.SCORE: ProductCode.BATCH_QUERY,
    BulkProduct.MONITORING: ProductCode.MONITORING,
    BulkProduct.BASIC_REPORT: ProductCode.BASIC_REPORT,
}
# What a refused person's query-log entry names as the product asked for.
QUERY_PRODUCT = {
    BulkProduct.SCORE: QueryProduct.CREDIT_SCORE,
    BulkProduct.MONITORING: QueryProduct.CREDIT_CHECK,
    BulkProduct.BASIC_REPORT: QueryProduct.CREDIT_REPORT,
}
PERSON_REASON = "自然人的信用信息须凭本人书面授权逐笔查询，批量任务不受理"
NOT_FOUND_REASON = "本平台没有该法人或非法人组织的信用信息，未计费"
EVENT_TYPE = "job.completed"


# --- Submission -----------------------------------------------------------------------------


def _product_check(product: str, contract: Contract, key: ApiKey | None) -> str:
    if product not in BulkProduct.values:
        raise ValidationFailed(
            f"不支持的批量产品“{product}”：应为 score（信用评分）、monitoring（信用监测订阅）"
            "或 basic_report（基础版信用报告）",
            field="product",
        )
    ledger = LEDGER_PRODUCT[BulkProduct(product)]
    if key is not None and ledger not in key.products:
        raise PermissionDenied("该密钥无权调用此产品", code="OUT_OF_SCOPE")
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


def _is_person(code: str) -> bool:
    return len(code) == 18 and resident_id_problem(code) is None


def _classified(job: BulkJob, codes: list[str]) -> Iterator[BulkJobRow]:
    seen: dict[str, int] = {}
    for row, raw in enumerate(codes, start=1):
        code = normalise(raw)[:40]
        status, reason = RowStatus.PENDING, ""
        if code in seen:
            status, reason = RowStatus.DUPLICATE, f"与第{seen[code]}行重复，未计费"
        elif _is_person(code):
            pass  # refused when its chunk is processed, with the query logged (`_refuse_persons`)
        elif (problem := uscc_problem(code)) is not None:
            status, reason = RowStatus.INVALID, f"代码无效：{problem.message}"
        seen.setdefault(code, row)
        yield BulkJobRow(job=job, row=row, code=code, status=status, reason=reason)


def bulk_job_submit(
    *, contract: Contract, key: ApiKey | None, product: str, codes: list[str], purpose: str,
    idempotency_key: str, source: str, created_by: str, actor: Actor | None = None,
    verify_url: str = "",
) -> BulkJob:  # fmt: skip
    """A new job (queued after commit, written to the platform audit log), or the job this
    idempotency key already made. `verify_url`: the district's report verification page
    (absolute), printed on the reports of a basic-report job."""
    ledger = _product_check(product, contract, key)
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
                total=len(codes), created_by=created_by, verify_url=verify_url[:300],
            )  # fmt: skip
            rows = list(_classified(job, codes))
            BulkJobRow.objects.bulk_create(rows, batch_size=5000)
            decided = sum(1 for r in rows if r.status != RowStatus.PENDING)
            BulkJob.objects.filter(pk=job.pk).update(done=decided)
            job.done = decided
            platform_audit_record(
                actor=actor or Actor(kind=ActorKind.USER, label=created_by),
                action="billing.bulk_job_submit", district_schema=contract.district.schema_name,
                details={"job": job.pk, "contract": contract.number, "product": ledger,
                         "rows": job.total, "source": job.source},
            )  # fmt: skip
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
        if job.product == BulkProduct.BASIC_REPORT:
            chunk = min(chunk, REPORT_CHUNK)
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
    # A valid ID number is a person's, unless no person has it and an organisation does (the
    # order `purchases.subject_for_code` looks them up in).
    persons = _refuse_persons(job, [r for r in rows if _is_person(r.code)], subjects)
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
        if r.row in persons:
            continue
        if subject is None:
            r.status, r.reason = RowStatus.NOT_FOUND, NOT_FOUND_REASON
        elif r.code in already:
            r.status, r.reason = RowStatus.ALREADY, "已在监测中，未计费"
            r.result = {"code": r.code, "name": subject.name}
        else:
            candidates.append(r)
    if not candidates:
        return _Outcome(Decimal("0.00"), "")
    prepared: dict[int, PreparedReport] = {}
    if job.product == BulkProduct.BASIC_REPORT:
        results = _reports(job, candidates, subjects, prepared)
    else:
        results = _results(job, [subjects[r.code] for r in candidates])
    calls = [
        RowCall(
            idempotency_key=f"job:{job.pk}:{r.row}",
            params=fingerprint(job=job.pk, row=r.row, code=r.code, product=job.product),
            reference=str(result.get("report") or f"批量任务{job.pk}第{r.row}行")[:64],
            subject=f"{subjects[r.code].name}（{r.code}）",
            response=result,
        )
        for r, result in zip(candidates, results, strict=True)
    ]

    def serve(indexes: list[int]) -> None:
        if job.product == BulkProduct.BASIC_REPORT:
            actor = _actor(job)
            for i in indexes:  # exactly as `report_purchase` stores its report
                report_store(prepared[i], actor=actor)
            return
        _serve(job, [subjects[candidates[i].code] for i in indexes])

    charged = metered_rows(
        key=job.api_key, contract=job.contract, product=LEDGER_PRODUCT[BulkProduct(job.product)],
        calls=calls, serve=serve, recorded_by=_recorded_by(job),
    )  # fmt: skip
    for i in [*charged.charged, *charged.replayed]:
        candidates[i].status, candidates[i].reason = RowStatus.FOUND, ""
        candidates[i].result = calls[i].response
    return _Outcome(charged.amount_yuan, charged.stopped)


def _requester(job: BulkJob) -> Requester:
    customer = job.contract.customer
    return Requester(kind=RequesterKind.INSTITUTION, name=customer.name, code=customer.uscc)


def _actor(job: BulkJob) -> Actor:
    return Actor(kind=ActorKind.USER, label=_recorded_by(job),
                 schema=job.contract.district.schema_name)  # fmt: skip


def _refuse_persons(
    job: BulkJob, rows: list[BulkJobRow], organisations: dict[str | None, Subject]
) -> set[int]:
    """Refuse the chunk's persons as a report purchase without consent refuses one: a person
    held here gets a refused entry in the query log (`query_authorise`), one not held an audit
    entry with the masked number (`query_refuse_unknown_person`); both rows read the same.
    Written with the chunk, so a rerun of a chunk that rolled back logs them once. Returns the
    rows refused (a code that is only an organisation's is left to the caller)."""
    if not rows:
        return set()
    hashes = {r.row: lookup_hashes(r.code) for r in rows}
    held = {
        s.id_hash: s
        for s in Subject.objects.filter(
            id_hash__in=[h for row_hashes in hashes.values() for h in row_hashes]
        )
    }
    requester, handled_by, now = _requester(job), _recorded_by(job), timezone.now()
    logs: list[QueryLog] = []
    refused: set[int] = set()
    for r in rows:
        person = next((held[h] for h in hashes[r.row] if h in held), None)
        if person is None and r.code in organisations:
            continue
        if person is not None:
            logs.append(QueryLog(
                subject=person, requester_kind=requester.kind, requester_name=requester.name,
                requester_code=normalise(requester.code), purpose=job.purpose,
                product=QUERY_PRODUCT[BulkProduct(job.product)], result=QueryResult.REFUSED,
                reason=PERSON_NEEDS_CONSENT, handled_by=handled_by, at=now,
            ))  # fmt: skip
        else:
            audit_record(actor=_actor(job), action="query.refuse",
                         details={"subject": mask_resident_id(r.code), "requester": requester.name,
                                  "purpose": job.purpose, "reason": PERSON_NEEDS_CONSENT})  # fmt: skip
        r.status, r.reason = RowStatus.NO_CONSENT, PERSON_REASON
        refused.add(r.row)
    QueryLog.objects.bulk_create(logs)
    return refused


def _reports(
    job: BulkJob, rows: list[BulkJobRow], subjects: dict[str | None, Subject],
    prepared: dict[int, PreparedReport],
) -> list[dict[str, Any]]:  # fmt: skip
    """Each row's answer: a row charged by an earlier run keeps its report (from the ledger);
    the others get a basic report authorised and rendered as `report_purchase` does, kept in
    `prepared` (by index) to be stored if the row is charged."""
    earlier = dict(
        UsageEvent.objects.filter(
            contract_id=job.contract_id,
            idempotency_key__in=[f"job:{job.pk}:{r.row}" for r in rows],
        ).values_list("idempotency_key", "response")
    )
    site = report_site(verify_url=job.verify_url)
    requester, handled_by = _requester(job), _recorded_by(job)
    answers: list[dict[str, Any]] = []
    for index, r in enumerate(rows):
        if (answer := earlier.get(f"job:{job.pk}:{r.row}")) is not None:
            answers.append(answer)
            continue
        subject = subjects[r.code]
        grant = query_authorise(subject=subject, requester=requester, purpose=job.purpose,
                                product=QueryProduct.CREDIT_REPORT, consent_id=None,
                                handled_by=handled_by)  # fmt: skip
        prepared[index] = report_prepare(grant, site=site, restricted=False)
        answers.append({"code": r.code, "name": subject.name, "report": prepared[index].number})
    return answers


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
REPORT_COLUMNS = ["行号", "代码", "状态", "说明", "名称", "报告编号", "报告PDF下载链接（短时有效）"]
PdfLink = Callable[[str], str]  # a storage URL (relative or not) → the link handed out


def _rows(job: BulkJob) -> Iterator[tuple[int, str, str, str, dict[str, Any]]]:
    rows = (
        BulkJobRow.objects.filter(job=job)
        .order_by("row")
        .values_list("row", "code", "status", "reason", "result")
    )
    yield from rows.iterator(chunk_size=2000)


def _with_pdfs(
    job: BulkJob, link: PdfLink | None
) -> Iterator[tuple[int, str, str, str, dict[str, Any], str]]:
    """The rows, each with its report's PDF link for a basic-report job: the short-lived link a
    single purchase gives (`pdfUrl`), made now, in batches of rows."""
    batch: list[tuple[int, str, str, str, dict[str, Any]]] = []

    def flush() -> Iterator[tuple[int, str, str, str, dict[str, Any], str]]:
        numbers = [str(res["report"]) for *_, res in batch if res and res.get("report")]
        links = report_pdf_links(job, numbers, link) if link and numbers else {}
        for r, c, st, why, res in batch:
            yield r, c, st, why, res, links.get(str((res or {}).get("report", "")), "")
        batch.clear()

    for line in _rows(job):
        batch.append(line)
        if len(batch) >= 2000:
            yield from flush()
    yield from flush()


def report_pdf_links(job: BulkJob, numbers: list[str], link: PdfLink) -> dict[str, str]:
    """Report number → link to its PDF, read in the job's district (storage names resolve there)."""
    with schema_context(job.contract.district.schema_name):
        return {
            number: link(default_storage.url(pdf))
            for number, pdf in Report.objects.filter(number__in=numbers).values_list(
                "number", "stored_pdf"
            )
            if pdf
        }


def _lines(job: BulkJob, link: PdfLink | None) -> Iterable[list[Any]]:
    labels = dict(RowStatus.choices)
    if job.product == BulkProduct.BASIC_REPORT:
        for row, code, status, reason, result, pdf in _with_pdfs(job, link):
            yield [
                row, neutralise(code), labels[status], neutralise(reason),
                neutralise(str(result.get("name", ""))), result.get("report", ""), pdf,
            ]  # fmt: skip
        return
    for row, code, status, reason, result in _rows(job):
        yield [
            row, neutralise(code), labels[status], neutralise(reason),
            neutralise(str(result.get("name", ""))),
            result.get("score"), result.get("grade", ""), result.get("scoredOn", ""),
        ]  # fmt: skip


def _columns(job: BulkJob) -> list[str]:
    return REPORT_COLUMNS if job.product == BulkProduct.BASIC_REPORT else COLUMNS


def results_csv(job: BulkJob, *, link: PdfLink | None = None) -> bytes:
    """UTF-8 with a byte-order mark (Excel opens it as Chinese). `link` makes a report's PDF
    link absolute (given by the view, which knows the host)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_columns(job))
    for line in _lines(job, link):
        writer.writerow(["" if v is None else v for v in line])
    return out.getvalue().encode("utf-8-sig")


def results_xlsx(job: BulkJob, *, link: PdfLink | None = None) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("批量任务结果")
    sheet.append(_columns(job))
    for line in _lines(job, link):
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def results_json(job: BulkJob, *, link: PdfLink | None = None) -> bytes:
    rows = []
    for r, c, s, why, res, pdf in _with_pdfs(job, link):
        result = res or None
        if result is not None and pdf:
            result = {**result, "pdfUrl": pdf}
        rows.append({"row": r, "code": c, "status": s.upper(), "reason": why, "result": result})
    body = {**job_payload(job)["job"], "rows": rows}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def results_zip(job: BulkJob) -> IO[bytes]:
    """The PDFs of a basic-report job's reports in a ZIP (`<行号>-<报告编号>.pdf`), written to a
    temporary file one PDF at a time, so memory holds one PDF whatever the job's size. The
    caller closes the file (Django's FileResponse does)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115  (handed to the response, which closes it)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        if job.product == BulkProduct.BASIC_REPORT:
            _zip_reports(job, archive)
    out.seek(0)
    return out


def _zip_reports(job: BulkJob, archive: zipfile.ZipFile) -> None:
    found = (
        BulkJobRow.objects.filter(job=job, status=RowStatus.FOUND)
        .order_by("row")
        .values_list("row", "result")
    )
    batch: list[tuple[int, str]] = []

    def flush() -> None:
        with schema_context(job.contract.district.schema_name):
            names = dict(
                Report.objects.filter(number__in=[n for _, n in batch]).values_list(
                    "number", "stored_pdf"
                )
            )
            for row, number in batch:
                if names.get(number):
                    with default_storage.open(names[number], "rb") as pdf:
                        archive.writestr(f"{row:06d}-{number}.pdf", pdf.read())
        batch.clear()

    for row, result in found.iterator(chunk_size=500):
        if result and result.get("report"):
            batch.append((row, str(result["report"])))
        if len(batch) >= 500:
            flush()
    if batch:
        flush()
