"""Objection and repair pages in the console: the window registers, reviewers answer and decide
(applications the portal took among them), the queue shows what is overdue and the audit log
what was done. The portal's own forms: tests/portal/test_remedies.py."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.records.models import Record
from core.remedies.models import Objection, RepairApplication
from tests.conftest import client_for, make_staff
from tests.core.collection.files import uscc
from tests.support.clock import Clock
from tests.support.pages import signed_in


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% test\n", content_type="application/pdf")


def test_the_window_registers_an_objection_and_a_reviewer_answers(
    record: Record, clock: Clock
) -> None:
    clerk = make_staff("wanzhou", "window@wanzhou.test", StaffRole.WINDOW_CLERK)
    window = signed_in(clerk)
    response = window.post(f"/console/records/{record.pk}/objection/", {
        "applicant_name": "张三", "applicant_phone": "13800000000", "reason": "罚款金额与决定书不一致，请核实。",
    })  # fmt: skip
    assert response.status_code == 302
    assert "异议处理中" in window.get(f"/console/records/{record.pk}/").content.decode()
    assert (
        'data-testid="overdue"' not in window.get("/console/remedies/?overdue=1").content.decode()
    )

    # 21 days later (the answer was due in 20) it is overdue; the clerk logs in again that day.
    clock.shift(timedelta(days=21))
    window = signed_in(clerk)
    queue = window.get("/console/remedies/?overdue=1").content.decode()
    assert 'data-testid="overdue"' in queue

    reviewer = signed_in(make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER))
    with schema_context("wanzhou"):
        objection = Objection.objects.get()
    assert (
        window.post(
            f"/console/remedies/objections/{objection.pk}/",
            {"outcome": "confirmed", "reply": "x" * 20},
        ).status_code
        == 404
    )
    response = reviewer.post(f"/console/remedies/objections/{objection.pk}/", {
        "outcome": "confirmed", "reply": "经与处罚机关核实，记录与决定书一致，维持原记录。",
    })  # fmt: skip
    assert response.status_code == 302
    page = reviewer.get(f"/console/remedies/objections/{objection.pk}/").content.decode()
    assert "维持原记录" in page


def test_a_portal_repair_application_with_its_materials_is_decided(record: Record) -> None:
    portal = client_for("wanzhou.localhost")
    page = portal.post("/repair/new/", {
        "code": uscc(1), "doc_number": record.doc_number, "applicant_name": "李四",
        "applicant_phone": "13900000000", "statement": "已缴清全部罚款并完成整改。",
        "commitment": pdf("承诺书.pdf"), "rectification": pdf("缴款凭证.pdf"),
    }).content.decode()  # fmt: skip
    assert 'data-testid="remedy-number">XF20261127-' in page

    admin = signed_in(
        make_staff("wanzhou", "remedies-admin@wanzhou.test", StaffRole.DISTRICT_ADMIN)
    )
    with schema_context("wanzhou"):
        application = RepairApplication.objects.get()
    detail = admin.get(f"/console/remedies/repairs/{application.pk}/").content.decode()
    assert "信用修复承诺书" in detail
    response = admin.post(
        f"/console/remedies/repairs/{application.pk}/", {"decision": "approve", "reason": ""}
    )
    assert response.status_code == 302
    assert "已修复" in admin.get(f"/console/records/{record.pk}/").content.decode()


def test_the_admin_and_the_auditor_see_every_action_in_the_audit_log(record: Record) -> None:
    window = signed_in(make_staff("wanzhou", "window@wanzhou.test", StaffRole.WINDOW_CLERK))
    window.post(f"/console/records/{record.pk}/objection/", {
        "applicant_name": "张三", "applicant_phone": "13800000000", "reason": "罚款金额与决定书不一致，请核实。",
    })  # fmt: skip
    auditor = signed_in(make_staff("wanzhou", "auditor@wanzhou.test", StaffRole.AUDITOR))

    page = auditor.get("/console/audit/?area=remedy").content.decode()

    assert f"window@wanzhou.test（征信窗口办事员）登记了对记录 {record.doc_number} 的异议" in page
    assert "存储了记录" not in page
    with schema_context("wanzhou"):
        name = record.subject.name
    by_subject = auditor.get("/console/audit/", {"subject": name}).content
    assert f"系统（上传处理）存储了记录 {record.doc_number}" in by_subject.decode()
    assert window.get("/console/audit/").status_code == 404


def test_a_repair_decision_must_be_chosen_explicitly(record: Record) -> None:
    portal = client_for("wanzhou.localhost")
    portal.post("/repair/new/", {
        "code": uscc(1), "doc_number": record.doc_number, "applicant_name": "李四",
        "applicant_phone": "13900000000", "statement": "已缴清全部罚款并完成整改。",
        "commitment": pdf("承诺书.pdf"), "rectification": pdf("缴款凭证.pdf"),
    })  # fmt: skip
    reviewer = signed_in(make_staff("wanzhou", "reviewer2@wanzhou.test", StaffRole.REVIEWER))
    with schema_context("wanzhou"):
        application = RepairApplication.objects.get()

    page = reviewer.post(
        f"/console/remedies/repairs/{application.pk}/", {"reason": "罚款未缴清"}
    ).content.decode()

    assert "请点击“准予修复”或“不予修复”" in page
    with schema_context("wanzhou"):
        assert RepairApplication.objects.get().status == "submitted"
