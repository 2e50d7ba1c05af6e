"""Objections mark a record disputed at once and are answered within 20 days; repair follows the
record's own rules and, once approved, takes the record out of publication and out of the score."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from core.accounts.enums import StaffRole
from core.audit.models import AuditEntry
from core.catalog.models import Department
from core.common.actors import Actor
from core.common.errors import PermissionDenied, ValidationFailed
from core.records.enums import RecordState
from core.records.models import Record
from core.records.state import record_state
from core.remedies.enums import Channel, ObjectionStatus, RepairStatus
from core.remedies.selectors import objections_open
from core.remedies.services import (
    Applicant,
    objection_answer,
    objection_file,
    repair_apply,
    repair_decide,
)
from core.scoring.models import SubjectScore
from core.scoring.services import scores_refresh
from tests.conftest import make_staff
from tests.core.collection.conftest import TODAY, district, upload  # noqa: F401  (fixture)
from tests.core.collection.files import as_csv, decided, penalty
from tests.support.clock import BEIJING, Clock, on_calendar_days

WINDOW = Applicant("张三", "023-58881234", Channel.WINDOW)
ACTOR = Actor.system("test")


def pdf() -> io.BytesIO:
    return io.BytesIO(b"%PDF-1.4\n% test document\n")


@pytest.fixture
def record(district: Department) -> Record:  # noqa: F811
    upload(district, as_csv([penalty(1, JDRQ="2026-01-10", YXQ="2027-01-10")]))
    return Record.objects.get()


def test_an_objection_marks_the_record_disputed_at_once(record: Record) -> None:
    objection = objection_file(
        record=record, applicant=WINDOW, reason="处罚决定已被行政复议撤销，请核实", actor=ACTOR
    )

    record.refresh_from_db()
    assert record_state(record, TODAY) == RecordState.DISPUTED
    assert objection.due_on == date(2026, 12, 17)
    assert objection.number.startswith("YY20261127-")
    assert AuditEntry.objects.filter(action="objection.file", record_id=record.pk).count() == 1


@on_calendar_days
def test_an_unanswered_objection_is_overdue_after_20_days(
    today: date,
    district: Department,  # noqa: F811
    clock: Clock,
) -> None:
    upload(district, as_csv([penalty(1, **decided(days_ago=30))]))
    record = Record.objects.get()

    objection = objection_file(
        record=record, applicant=WINDOW, reason="处罚决定已被行政复议撤销，请核实", actor=ACTOR
    )

    due = today + timedelta(days=20)
    assert (objection.number[:11], objection.due_on) == (f"YY{today:%Y%m%d}-", due)
    assert record_state(Record.objects.get(), today) == RecordState.DISPUTED
    # The queue on the last day, late in the evening, and half an hour after that midnight.
    clock.move_to(datetime.combine(due, time(23, 30), tzinfo=BEIJING))
    assert list(objections_open(today=timezone.localdate(), overdue_only=True)) == []
    clock.move_to(datetime.combine(due + timedelta(days=1), time(0, 30), tzinfo=BEIJING))
    overdue = objections_open(today=timezone.localdate(), overdue_only=True)
    assert [o.record_id for o in overdue] == [record.pk]


def test_answering_clears_the_mark_and_corrected_needs_a_correction(record: Record) -> None:
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
    clerk = make_staff("wanzhou", "window@wanzhou.test", StaffRole.WINDOW_CLERK)
    objection = objection_file(
        record=record, applicant=WINDOW, reason="罚款金额与决定书不一致，请核实", actor=ACTOR
    )

    with pytest.raises(PermissionDenied):
        objection_answer(
            user=clerk,
            objection=objection,
            outcome="confirmed",
            reply="经核实，记录与决定书一致。",
            platform="信用万州",
        )
    with pytest.raises(ValidationFailed, match="记录尚未更正"):
        objection_answer(
            user=reviewer,
            objection=objection,
            platform="信用万州",
            outcome="corrected",
            reply="已按决定书更正罚款金额。",
        )
    answered = objection_answer(user=reviewer, objection=objection, platform="信用万州", outcome="confirmed",
                                reply="经与处罚机关核实，记录与决定书一致，维持原记录。")  # fmt: skip

    record.refresh_from_db()
    assert (answered.status, record.disputed_since) == (ObjectionStatus.CONFIRMED, None)
    with default_storage.open(answered.reply_pdf, "rb") as handle:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages)
    assert "信用信息异议处理答复书" in text
    assert "维持原记录" in text
    assert answered.number in text
    with pytest.raises(ValidationFailed, match="该异议已答复"):
        objection_answer(
            user=reviewer,
            objection=objection,
            platform="信用万州",
            outcome="annotated",
            reply="再次答复的内容，不应被接受。",
        )


def test_repair_waits_for_the_minimum_period_of_the_records_rules(district: Department) -> None:  # noqa: F811
    upload(district, as_csv([penalty(1)]))  # decided 2026-11-20: 2026 rules, 3 months minimum
    record = Record.objects.get()

    with pytest.raises(
        ValidationFailed, match="按“2026”规则最短公示期至2027年02月20日，届满后方可申请信用修复"
    ):
        repair_apply(record=record, applicant=WINDOW, statement="已缴清罚款并完成整改。",
                     materials={"commitment": pdf(), "rectification": pdf()}, actor=ACTOR)  # fmt: skip


def test_an_approved_repair_ends_publication_and_lifts_the_score(
    record: Record, django_capture_on_commit_callbacks: Any
) -> None:
    scores_refresh(reason="test", today=TODAY)
    assert SubjectScore.objects.get(is_current=True).total == 760  # an ordinary penalty: −40
    with pytest.raises(ValidationFailed, match="请提交：已纠正失信行为、履行法定义务的证明材料"):
        repair_apply(record=record, applicant=WINDOW, statement="已缴清罚款并完成整改。",
                     materials={"commitment": pdf()}, actor=ACTOR)  # fmt: skip
    application = repair_apply(record=record, applicant=WINDOW, statement="已缴清罚款并完成整改。",
                               materials={"commitment": pdf(), "rectification": pdf()}, actor=ACTOR)  # fmt: skip
    with pytest.raises(ValidationFailed, match="该记录已有待审核的修复申请"):
        repair_apply(record=record, applicant=WINDOW, statement="再次申请修复的说明。",
                     materials={"commitment": pdf(), "rectification": pdf()}, actor=ACTOR)  # fmt: skip
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)

    with django_capture_on_commit_callbacks(execute=True):
        decided = repair_decide(
            user=reviewer, application=application, approve=True, reason="材料齐全"
        )

    record.refresh_from_db()
    assert decided.status == RepairStatus.APPROVED
    assert record_state(record, TODAY) == RecordState.REPAIRED
    score = SubjectScore.objects.get(is_current=True)
    assert (score.total, score.reason) == (800, "record.repair")
    assert set(application.materials) == {"commitment", "rectification"}


def test_a_refusal_needs_its_reason(record: Record) -> None:
    application = repair_apply(record=record, applicant=WINDOW, statement="已缴清罚款并完成整改。",
                               materials={"commitment": pdf(), "rectification": pdf()}, actor=ACTOR)  # fmt: skip
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)

    with pytest.raises(ValidationFailed, match="不予修复须说明理由"):
        repair_decide(user=reviewer, application=application, approve=False, reason=" ")
    refused = repair_decide(
        user=reviewer, application=application, approve=False, reason="罚款尚未缴清"
    )

    record.refresh_from_db()
    assert (refused.status, record.repaired_at) == (RepairStatus.REFUSED, None)


def test_materials_must_be_documents(record: Record) -> None:
    with pytest.raises(ValidationFailed, match="附件只接受PDF、PNG或JPG文件"):
        repair_apply(record=record, applicant=WINDOW, statement="已缴清罚款并完成整改。",
                     materials={"commitment": io.BytesIO(b"MZ\x90\x00"), "rectification": pdf()},
                     actor=ACTOR)  # fmt: skip


def test_nothing_to_object_to_once_withdrawn(record: Record) -> None:
    Record.objects.filter(pk=record.pk).update(withdrawn_at=timezone.now())
    record.refresh_from_db()

    with pytest.raises(ValidationFailed, match="该记录当前状态为“已撤回”，不在公示中"):
        objection_file(
            record=record, applicant=WINDOW, reason="处罚决定已被行政复议撤销，请核实", actor=ACTOR
        )
