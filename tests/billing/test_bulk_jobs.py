"""Bulk jobs (批量任务): codes in, an asynchronous job with per-row statuses and reasons, results as
CSV/XLSX/JSON, each found row charged exactly once (key `job:<id>:<row>`) even when the task runs
again, a monthly cap that stops the job cleanly, and a signed `job.completed` webhook."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import Workbook, load_workbook

from billing.enums import JobStatus, ProductCode, RowStatus
from billing.models import BulkJob, BulkJobRow, Contract, UsageEvent
from billing.services.bulk_jobs import (
    bulk_job_run,
    results_csv,
    results_json,
    results_xlsx,
)
from billing.tasks import bulk_jobs_resume_task
from core.audit.models import AuditEntry
from core.common.identifiers import ID_CHECK, ID_WEIGHTS, mask_resident_id, uscc_problem
from core.reports.models import QueryLog, Report
from core.reports.services.issuing import PERSON_NEEDS_CONSENT
from core.subjects.models import Subject
from core.subjects.protection import lookup_hash
from tenants.models import PlatformAuditEntry
from tenants.wording import sentence
from tests.billing.conftest import Sale, priced
from tests.billing.test_api import call
from tests.billing.test_institution_pages import member
from tests.billing.test_webhooks import endpoint_for, signed_in, signed_with
from tests.conftest import WANZHOU
from tests.core.collection.files import uscc
from tests.support.clock import Clock
from tests.support.webhook_receiver import WebhookReceiver

SUBMIT = """
mutation Submit($data: BulkJobSubmitInput!) {
  bulkJobSubmit(data: $data) {
    job { id status total done found amountYuan stopReason }
    errors { code message field }
  }
}
"""
JOB = """
query Job($id: Int!) {
  bulkJob(id: $id, first: 100) {
    id status total done found amountYuan stopReason rows { row code status reason result }
  }
}
"""
TWO, FIVE = Decimal("2.00"), Decimal("5.00")
BAD_CODE = uscc(3)[:-1] + ("0" if uscc(3)[-1] != "0" else "1")


def person_number() -> str:
    body = "50010119900101123"
    return body + ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=False)) % 11]


MIXED = [uscc(1), uscc(2), uscc(9), uscc(1), BAD_CODE, person_number()]


@pytest.fixture
def scoring(sale: Sale) -> Sale:
    priced(sale.district, ProductCode.BATCH_QUERY, unit_price="2.00")
    return sale


@pytest.fixture
def receiver(settings: Any) -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    server.allow(settings)
    yield server
    server.stop()


def submit(sale: Sale, codes: list[str], key: str = "job-0000001", product: str = "score") -> Any:
    data = {"product": product, "codes": codes, "purpose": "贷后管理", "idempotencyKey": key}
    return call(sale, SUBMIT, {"data": data}).json()["data"]["bulkJobSubmit"]


def run(job_id: int, capture: Any) -> BulkJob:
    with capture(execute=True):
        bulk_job_run(job_id)
    with schema_context("public"):
        return BulkJob.objects.get(pk=job_id)


def charges(sale: Sale) -> list[tuple[str, Decimal]]:
    with schema_context("public"):
        return list(
            UsageEvent.objects.filter(contract=sale.contract)
            .order_by("idempotency_key")
            .values_list("idempotency_key", "amount_yuan")
        )


def test_a_mixed_job_has_exact_statuses_and_reasons_and_charges_found_rows(
    scoring: Sale, django_capture_on_commit_callbacks: Any
) -> None:
    # when
    with django_capture_on_commit_callbacks(execute=True):
        answer = submit(scoring, MIXED)
    assert answer["errors"] == []
    job = run(answer["job"]["id"], django_capture_on_commit_callbacks)
    got = call(scoring, JOB, {"id": job.pk}).json()["data"]["bulkJob"]

    # then
    assert (got["status"], got["total"], got["done"], got["found"], got["amountYuan"]) == (
        "DONE", 6, 6, 2, "4.00"
    )  # fmt: skip
    problem = uscc_problem(BAD_CODE)
    assert problem is not None
    assert [(r["row"], r["status"], r["reason"]) for r in got["rows"]] == [
        (1, "FOUND", ""),
        (2, "FOUND", ""),
        (3, "NOT_FOUND", "本平台没有该法人或非法人组织的信用信息，未计费"),
        (4, "DUPLICATE", "与第1行重复，未计费"),
        (5, "INVALID", f"代码无效：{problem.message}"),
        (6, "NO_CONSENT", "自然人的信用信息须凭本人书面授权逐笔查询，批量任务不受理"),
    ]
    assert got["rows"][0]["result"]["code"] == uscc(1)
    assert charges(scoring) == [(f"job:{job.pk}:1", TWO), (f"job:{job.pk}:2", TWO)]


def test_a_rerun_or_a_resubmission_charges_nothing_twice(
    scoring: Sale, django_capture_on_commit_callbacks: Any
) -> None:
    # given: the job has run
    job_id = submit(scoring, MIXED)["job"]["id"]
    run(job_id, django_capture_on_commit_callbacks)

    # when: the same task runs again from scratch (rows back to pending), and the job is resubmitted
    with schema_context("public"):
        BulkJobRow.objects.filter(job_id=job_id, row__in=[1, 2]).update(status=RowStatus.PENDING)
        BulkJob.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, done=4, found=0)
    again = run(job_id, django_capture_on_commit_callbacks)
    resubmitted = submit(scoring, MIXED)

    # then
    assert (again.status, again.done, again.found) == (JobStatus.DONE, 6, 2)
    assert resubmitted["job"]["id"] == job_id
    assert charges(scoring) == [(f"job:{job_id}:1", TWO), (f"job:{job_id}:2", TWO)]
    changed = submit(scoring, [uscc(1)])
    assert changed["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_the_monthly_cap_stops_the_job_and_leaves_the_rest_unprocessed(
    scoring: Sale, django_capture_on_commit_callbacks: Any
) -> None:
    # given: one call left under the cap
    with schema_context("public"):
        Contract.objects.filter(pk=scoring.contract.pk).update(monthly_cap_units=1)

    # when
    job = run(submit(scoring, [uscc(1), uscc(9), uscc(2)])["job"]["id"],
              django_capture_on_commit_callbacks)  # fmt: skip

    # then
    assert job.status == JobStatus.CAPPED
    assert job.stop_reason.startswith("已达月度上限：已达本月调用上限：上限1次")
    with schema_context("public"):
        rows = list(BulkJob.objects.get(pk=job.pk).rows.values_list("row", "status", "reason"))
    assert rows[0][:2] == (1, RowStatus.FOUND)
    assert rows[1][:2] == (2, RowStatus.NOT_FOUND)
    assert rows[2][:2] == (3, RowStatus.PENDING)
    assert rows[2][2].startswith("已达月度上限，未处理：")
    assert charges(scoring) == [(f"job:{job.pk}:1", TWO)]
    assert (job.done, job.found, job.amount_yuan) == (2, 1, TWO)


def test_results_download_as_csv_xlsx_and_json(
    scoring: Sale, django_capture_on_commit_callbacks: Any
) -> None:
    job = run(submit(scoring, MIXED)["job"]["id"], django_capture_on_commit_callbacks)
    client = signed_in(member(scoring.customer, "risk@bank.test"))

    # when
    got = {
        f: client.get(f"/institution/jobs/{job.pk}/results.{f}") for f in ("csv", "xlsx", "json")
    }

    # then
    assert {f: r.status_code for f, r in got.items()} == {"csv": 200, "xlsx": 200, "json": 200}
    lines = list(csv.reader(io.StringIO(got["csv"].content.decode("utf-8-sig"))))
    assert lines[0][:4] == ["行号", "代码", "状态", "说明"]
    assert [line[2] for line in lines[1:]] == [
        "已查得",
        "已查得",
        "未查得",
        "重复",
        "代码无效",
        "未获授权",
    ]
    sheet = load_workbook(io.BytesIO(got["xlsx"].content)).active
    assert sheet is not None
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        line[2] for line in lines[1:]
    ]
    body = json.loads(got["json"].content)
    assert (body["status"], body["found"], [r["status"] for r in body["rows"]][:3]) == (
        "DONE", 2, ["FOUND", "FOUND", "NOT_FOUND"]
    )  # fmt: skip
    with schema_context("public"):
        assert results_csv(job) == got["csv"].content
        assert results_xlsx(job)[:2] == b"PK"
        assert json.loads(results_json(job)) == body
    stranger = signed_in(member(None, "someone@elsewhere.test"))
    assert stranger.get(f"/institution/jobs/{job.pk}/results.csv").status_code == 403


def test_completion_is_posted_signed_to_the_contracts_endpoints(
    scoring: Sale, receiver: WebhookReceiver, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint, secret = endpoint_for(scoring, receiver.url)

    # when
    job = run(submit(scoring, MIXED)["job"]["id"], django_capture_on_commit_callbacks)

    # then
    [request] = receiver.requests
    assert signed_with(secret, request)
    assert request.headers["X-Credit-Event-Id"] == f"job:{job.pk}"
    body = json.loads(request.raw)
    assert (body["type"], body["contract"], body["job"]["status"], body["job"]["found"]) == (
        "job.completed", scoring.contract.number, "DONE", 2
    )  # fmt: skip
    run(job.pk, django_capture_on_commit_callbacks)  # finished: nothing is posted again
    assert len(receiver.requests) == 1


def _xlsx(codes: list[str]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["统一社会信用代码"])
    for code in codes:
        sheet.append([code])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_upload_page_takes_a_gbk_csv_or_an_xlsx(
    scoring: Sale, kind: str, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(member(scoring.customer, "risk@bank.test"))
    codes = [uscc(1), uscc(9), uscc(2)]
    content = (
        ("统一社会信用代码\r\n" + "\r\n".join(codes) + "\r\n").encode("gbk")
        if kind == "csv"
        else _xlsx(codes)
    )

    # when
    page = client.post("/institution/jobs/", {
        "contract": scoring.contract.pk, "product": "score", "purpose": "贷后管理",
        "file": SimpleUploadedFile(f"名单.{kind}", content),
    })  # fmt: skip

    # then
    assert page.status_code == 302, page.content.decode()
    with schema_context("public"):
        job = BulkJob.objects.get(contract=scoring.contract)
    assert (job.total, job.source, job.api_key) == (3, f"名单.{kind}", None)
    job = run(job.pk, django_capture_on_commit_callbacks)
    assert (job.status, job.found) == (JobStatus.DONE, 2)
    listing = client.get("/institution/jobs/").content.decode()
    assert "3 / 3" in listing
    assert "已完成" in listing


def test_chinese_errors_for_an_empty_list_too_many_codes_and_an_unknown_product(
    scoring: Sale,
) -> None:
    empty = submit(scoring, [])["errors"][0]
    many = submit(scoring, [uscc(1)] * 100_001, key="job-0000002")["errors"][0]
    unknown = submit(scoring, [uscc(1)], key="job-0000003", product="full_report")["errors"][0]

    assert (empty["field"], empty["message"]) == (
        "codes",
        "代码列表为空：请至少提交1个统一社会信用代码",
    )
    assert many["message"] == "一次至多提交100000个代码，本次为100001个：请拆分为多个任务"
    assert unknown["message"] == (
        "不支持的批量产品“full_report”：应为 score（信用评分）、monitoring（信用监测订阅）"
        "或 basic_report（基础版信用报告）"
    )
    with schema_context("public"):
        assert not BulkJob.objects.exists()


def test_a_monitoring_job_enrols_new_subjects_once(
    scoring: Sale, django_capture_on_commit_callbacks: Any
) -> None:
    priced(scoring.district, ProductCode.MONITORING, unit_price="5.00")
    first = run(submit(scoring, [uscc(1)], key="watch-job-01", product="monitoring")["job"]["id"],
                django_capture_on_commit_callbacks)  # fmt: skip
    second = run(
        submit(scoring, [uscc(1), uscc(2)], key="watch-job-02", product="monitoring")["job"]["id"],
        django_capture_on_commit_callbacks,
    )
    with schema_context("public"):
        statuses = list(second.rows.values_list("status", flat=True))
    assert (first.found, first.amount_yuan, second.found, second.amount_yuan) == (1, FIVE, 1, FIVE)
    assert statuses == [RowStatus.ALREADY, RowStatus.FOUND]


def test_a_job_no_worker_ran_is_queued_again_by_the_sweep(
    scoring: Sale, django_capture_on_commit_callbacks: Any, clock: Clock
) -> None:
    # given: a job submitted, its queueing lost (the test transaction never commits)
    job_id = submit(scoring, MIXED)["job"]["id"]
    with schema_context("public"):
        assert BulkJob.objects.get(pk=job_id).status == JobStatus.QUEUED
        assert bulk_jobs_resume_task() == 0  # not stalled yet

    # when: ten minutes later the sweep runs
    clock.move_to(timezone.now() + timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        resumed = bulk_jobs_resume_task()

    # then
    with schema_context("public"):
        job = BulkJob.objects.get(pk=job_id)
    assert resumed == 1
    assert (job.status, job.done, job.found) == (JobStatus.DONE, 6, 2)
    assert charges(scoring) == [(f"job:{job_id}:1", TWO), (f"job:{job_id}:2", TWO)]


# --- Basic reports, file upload over the API, audit and query log (issue 24) -------------------

REPORTS = [uscc(1), uscc(9), person_number(), uscc(2)]
TEN = Decimal("10.00")


def other_person() -> str:
    body = "50010119850505432"
    return body + ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=False)) % 11]


def test_a_basic_report_job_issues_each_report_as_a_single_purchase_does(
    sale: Sale, django_capture_on_commit_callbacks: Any
) -> None:
    # when
    job = run(submit(sale, REPORTS, key="reports-0001", product="basic_report")["job"]["id"],
              django_capture_on_commit_callbacks)  # fmt: skip

    # then: found rows have stored, logged reports; the rest are answered per row
    with schema_context("public"):
        rows = list(job.rows.order_by("row").values_list("status", "result"))
    assert [status for status, _ in rows] == [
        RowStatus.FOUND, RowStatus.NOT_FOUND, RowStatus.NO_CONSENT, RowStatus.FOUND
    ]  # fmt: skip
    numbers = [rows[0][1]["report"], rows[3][1]["report"]]
    assert all(re.fullmatch(r"XY\d{8}\d{8}", n) for n in numbers)
    reports = {r.number: r for r in Report.objects.filter(number__in=numbers)}
    assert sorted(reports) == sorted(numbers)
    assert all(default_storage.exists(r.stored_pdf) for r in reports.values())
    assert sorted(
        QueryLog.objects.filter(result="issued").values_list("report_number", flat=True)
    ) == sorted(numbers)
    assert charges(sale) == [(f"job:{job.pk}:1", TEN), (f"job:{job.pk}:4", TEN)]
    assert (job.status, job.found, job.amount_yuan) == (JobStatus.DONE, 2, TEN * 2)
    with schema_context("public"):
        refs = set(
            UsageEvent.objects.filter(contract=sale.contract).values_list("reference", flat=True)
        )
    assert refs == set(numbers)

    # when: the task runs again from scratch
    with schema_context("public"):
        BulkJobRow.objects.filter(job_id=job.pk, row__in=[1, 4]).update(status=RowStatus.PENDING)
        BulkJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, done=2, found=0)
    again = run(job.pk, django_capture_on_commit_callbacks)

    # then: nothing charged or issued twice; the rows keep their reports
    with schema_context("public"):
        results = list(
            again.rows.filter(row__in=[1, 4]).order_by("row").values_list("result", flat=True)
        )
    assert [r["report"] for r in results] == numbers
    assert Report.objects.count() == 2
    assert charges(sale) == [(f"job:{job.pk}:1", TEN), (f"job:{job.pk}:4", TEN)]


def test_report_results_give_each_report_number_and_its_pdf_link_and_a_zip(
    sale: Sale, django_capture_on_commit_callbacks: Any
) -> None:
    job = run(submit(sale, REPORTS, key="reports-0002", product="basic_report")["job"]["id"],
              django_capture_on_commit_callbacks)  # fmt: skip
    number = Report.objects.get(subject__uscc=uscc(1)).number
    client = signed_in(member(sale.customer, "risk@bank.test"))

    # when
    got = {f: client.get(f"/institution/jobs/{job.pk}/results.{f}") for f in ("csv", "json", "zip")}
    api = call(sale, JOB, {"id": job.pk}).json()["data"]["bulkJob"]

    # then
    lines = list(csv.reader(io.StringIO(got["csv"].content.decode("utf-8-sig"))))
    assert lines[0] == [
        "行号",
        "代码",
        "状态",
        "说明",
        "名称",
        "报告编号",
        "报告PDF下载链接（短时有效）",
    ]
    assert lines[1][5] == number
    assert lines[1][6].startswith(f"http://{WANZHOU.domain}/files/")  # served in the district
    assert lines[2][5:] == ["", ""]
    pdf = Client(HTTP_HOST=WANZHOU.domain).get(lines[1][6].removeprefix(f"http://{WANZHOU.domain}"))
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    body = json.loads(got["json"].content)
    assert body["rows"][0]["result"]["report"] == number
    assert "/files/" in body["rows"][0]["result"]["pdfUrl"]
    assert api["rows"][0]["result"]["report"] == number
    assert "/files/" in api["rows"][0]["result"]["pdfUrl"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(got["zip"].streaming_content)))  # type: ignore[attr-defined]
    assert sorted(archive.namelist())[0] == f"000001-{number}.pdf"
    assert len(archive.namelist()) == 2
    assert archive.read(f"000001-{number}.pdf").startswith(b"%PDF")


def test_persons_are_refused_per_row_and_logged_as_single_refusals_are(
    sale: Sale, django_capture_on_commit_callbacks: Any
) -> None:
    # given: the district holds one of the two persons
    held, unknown = person_number(), other_person()
    person = Subject.objects.create(kind="natural", name="张三", name_as_of=timezone.localdate(),
                                    id_hash=lookup_hash(held), id_masked=mask_resident_id(held))  # fmt: skip

    # when
    job = run(submit(sale, [held, unknown, uscc(1)], key="reports-0003", product="basic_report")["job"]["id"],
              django_capture_on_commit_callbacks)  # fmt: skip

    # then: both rows read the same; the held person's query is logged as refused, the other audited
    with schema_context("public"):
        rows = list(job.rows.order_by("row").values_list("status", "reason"))
    assert (
        rows[0]
        == rows[1]
        == (RowStatus.NO_CONSENT, "自然人的信用信息须凭本人书面授权逐笔查询，批量任务不受理")
    )
    [refused] = QueryLog.objects.filter(result="refused")
    assert (refused.subject_id, refused.product, refused.reason, refused.requester_name) == (
        person.pk, "credit_report", PERSON_NEEDS_CONSENT, sale.customer.name
    )  # fmt: skip
    [audited] = AuditEntry.objects.filter(action="query.refuse")
    assert audited.details["subject"] == mask_resident_id(unknown)
    assert audited.details["reason"] == PERSON_NEEDS_CONSENT
    assert charges(sale) == [(f"job:{job.pk}:3", TEN)]


def test_a_submission_is_in_the_platform_audit_log(sale: Sale) -> None:
    priced(sale.district, ProductCode.BATCH_QUERY, unit_price="2.00")
    job_id = submit(sale, MIXED, key="audited-0001")["job"]["id"]
    submit(sale, MIXED, key="audited-0001")  # a retry makes no second job and no second entry

    with schema_context("public"):
        [entry] = PlatformAuditEntry.objects.filter(action="billing.bulk_job_submit")
    assert (entry.actor_label, entry.district_schema) == (f"api:{sale.key.prefix}", "wanzhou")
    assert entry.details == {"job": job_id, "contract": sale.contract.number,
                             "product": "batch_query", "rows": 6, "source": "api"}  # fmt: skip
    assert (
        sentence(entry.action, actor="某银行", district="万州区")
        == "某银行向区县万州区提交了批量任务"
    )


def upload_api(
    sale: Sale, content: bytes, name: str, secret: str | None = None, **fields: str
) -> Any:
    client = Client(HTTP_HOST=WANZHOU.domain, enforce_csrf_checks=True)
    data = {"product": "basic_report", "purpose": "贷前审查", "idempotencyKey": "upload-api-0001",
            "file": SimpleUploadedFile(name, content)} | fields  # fmt: skip
    headers: dict[str, Any] = (
        {} if secret == "" else {"HTTP_AUTHORIZATION": f"Bearer {secret or sale.secret}"}
    )
    return client.post("/api/bulk-jobs/", data, **headers)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_uploaded_with_the_key_makes_a_job_with_unreadable_rows_answered(
    sale: Sale, kind: str, django_capture_on_commit_callbacks: Any
) -> None:
    codes = [uscc(1), "不是代码", uscc(9)]
    content = (
        ("统一社会信用代码\r\n" + "\r\n".join(codes) + "\r\n").encode("gbk")
        if kind == "csv"
        else _xlsx(codes)
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        answer = upload_api(sale, content, f"名单.{kind}")

    # then
    assert answer.status_code == 200, answer.content.decode()
    body = answer.json()
    assert (body["errors"], body["job"]["total"], body["job"]["product"]) == ([], 3, "basic_report")
    with schema_context("public"):
        job = BulkJob.objects.get(pk=body["job"]["id"])
        rows = list(job.rows.order_by("row").values_list("status", flat=True))
    assert (job.source, job.api_key_id) == (f"名单.{kind}", sale.key.pk)
    assert job.verify_url == f"http://{WANZHOU.domain}/reports/verify/"
    assert rows == [RowStatus.FOUND, RowStatus.INVALID, RowStatus.NOT_FOUND]
    results = Client(HTTP_HOST=WANZHOU.domain).get(
        f"/api/bulk-jobs/{job.pk}/results.json", HTTP_AUTHORIZATION=f"Bearer {sale.secret}"
    )
    assert results.status_code == 200
    assert json.loads(results.content)["rows"][0]["result"]["report"].startswith("XY")


def test_the_upload_endpoint_answers_in_chinese_without_a_key_a_file_or_a_valid_product(
    sale: Sale,
) -> None:
    content = (uscc(1) + "\r\n").encode()

    no_key = upload_api(sale, content, "a.csv", secret="")
    no_file = Client(HTTP_HOST=WANZHOU.domain).post(
        "/api/bulk-jobs/",
        {"product": "score", "purpose": "贷后管理", "idempotencyKey": "upload-api-0002"},
        HTTP_AUTHORIZATION=f"Bearer {sale.secret}",
    )
    bad_product = upload_api(sale, content, "a.csv", product="full_report")
    others = Client(HTTP_HOST=WANZHOU.domain).get(
        "/api/bulk-jobs/999999/results.csv", HTTP_AUTHORIZATION=f"Bearer {sale.secret}"
    )

    assert (no_key.status_code, no_key.json()["errors"][0]["code"]) == (401, "UNAUTHENTICATED")
    assert (no_file.status_code, no_file.json()["errors"][0]["field"]) == (400, "file")
    assert bad_product.status_code == 400
    assert bad_product.json()["errors"][0]["message"].startswith("不支持的批量产品“full_report”")
    assert others.status_code == 404
    with schema_context("public"):
        assert not BulkJob.objects.exists()
