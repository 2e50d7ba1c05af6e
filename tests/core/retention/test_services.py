"""A person's negative information is deleted once kept five years from the day the conduct ended
(征信业管理条例 Art. 16), with every copy the district holds; organisations' records stay."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.audit.models import AuditEntry
from core.catalog.models import Department
from core.collection.models import UploadBatch
from core.common.actors import Actor
from core.publicity.rules import add_months
from core.records.models import Record, RecordRevision
from core.remedies.models import Objection, RepairApplication
from core.remedies.services import Applicant, objection_file, repair_apply
from core.reports.selectors import ARCHIVE_REMOVED, report_content, report_verify
from core.reports.services import ReportSite, Requester, report_issue
from core.retention.enums import RetentionStart
from core.retention.models import RetentionRule, RetentionScope
from core.retention.services import conduct_ended_on, records_retention_delete
from core.retention.tasks import records_retention_delete_everywhere_task
from core.stats.models import RecordCount
from core.subjects.models import Subject
from core.upstream.models import OutboxBatch, OutboxItem, UpstreamEndpoint
from tests.conftest import client_for, make_staff
from tests.core.collection.conftest import district, upload  # noqa: F401  (fixture)
from tests.core.collection.files import as_csv, as_record_csv, listing, penalty
from tests.support.clock import BEIJING, Clock, on_calendar_days

PERSON_ID = "11010519491231002X"
PERSON_NAME = "张三"
SITE = ReportSite("信用万州", "https://wanzhou.localhost/reports/verify/")
PDF = b"%PDF-1.4\n% test\n"


def person_penalty(serial: int, **changes: str) -> dict[str, str]:
    """A penalty on a natural person (the subject's ID number, no code, no representative)."""
    row = penalty(serial, XDR_MC=PERSON_NAME, XDR_LB="自然人", XDR_SHXYM="", FRDB="")
    return {**row, "XDR_ZJHM": PERSON_ID, **changes}


def half_past_midnight(day: date) -> datetime:
    """Just after the daily job (00:20): 00:30 Beijing time, 16:30 UTC the day before."""
    return datetime.combine(day, time(0, 30), tzinfo=BEIJING)


def run_daily_job(clock: Clock, day: date) -> None:
    clock.move_to(half_past_midnight(day))
    with schema_context("public"):
        assert records_retention_delete_everywhere_task.delay().get() == ["kaizhou", "wanzhou"]


def kinds_held() -> list[tuple[str, str]]:
    with schema_context("wanzhou"):
        return sorted(Record.objects.values_list("subject__kind", "doc_number"))


@on_calendar_days
def test_a_persons_penalty_is_kept_through_its_fifth_year_and_deleted_the_next_morning(
    today: date,
    district: Department,  # noqa: F811
    clock: Clock,
) -> None:
    decided = (today - timedelta(days=30)).isoformat()
    # Both penalties were carried out by today (their term, 处罚有效期, ends today).
    upload(district, as_csv([person_penalty(1, JDRQ=decided, YXQ=today.isoformat()),
                             penalty(2, JDRQ=decided, YXQ=today.isoformat())]))  # fmt: skip
    kept_until = add_months(today, 60)  # 29 February → 28 February
    both = [("legal", "万州市监罚〔2026〕2号"), ("natural", "万州市监罚〔2026〕1号")]
    assert kinds_held() == both

    run_daily_job(clock, kept_until)
    assert kinds_held() == both

    run_daily_job(clock, kept_until + timedelta(days=1))
    assert kinds_held() == [("legal", "万州市监罚〔2026〕2号")]


@pytest.fixture
def window(district: Department) -> Any:  # noqa: F811
    return make_staff("wanzhou", "window@wanzhou.test", StaffRole.WINDOW_CLERK)


def test_the_record_goes_with_every_copy_and_the_audit_keeps_no_content(
    district: Department,  # noqa: F811
    window: Any,
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Given a person's penalty (decided 2026-11-20, in force until 2027-11-20) and a company's,
    # supplied in one file, then the person's corrected by a second file …
    first = upload(district, as_csv([person_penalty(1), penalty(2)]))
    second = upload(district, as_csv([person_penalty(1, NR="罚款人民币叁仟元整")]), "更正.csv")
    record = Record.objects.get(subject__kind="natural")
    person = record.subject
    # … an objection with evidence, a self-report, an upstream report item …
    objection = objection_file(record=record, applicant=Applicant(PERSON_NAME, "13800000000", "window"),
                               reason="处罚金额与决定书不一致，请核实。", actor=Actor.cli(),
                               attachment=io.BytesIO(PDF))  # fmt: skip
    report = report_issue(subject=person, requester=Requester("self", PERSON_NAME, PERSON_ID),
                          purpose="本人查询", handled_by=window, site=SITE)  # fmt: skip
    endpoint = UpstreamEndpoint.objects.create(name="信用重庆")
    batch = OutboxBatch.objects.create(endpoint=endpoint, period_start=date(2026, 11, 1),
                                       period_end=date(2026, 11, 27), created_by="admin@wanzhou.test")  # fmt: skip
    OutboxItem.objects.create(batch=batch, record=record, action="add",
                              payload={"CF_XDR_MC": PERSON_NAME}, payload_hash="0" * 64)  # fmt: skip
    # … and, once the minimum period has passed, a repair application with its materials.
    clock.move_to(date(2027, 3, 1))
    repair = repair_apply(record=record, applicant=Applicant(PERSON_NAME, "13800000000", "window"),
                          statement="已按期缴纳罚款，并完成整改。", actor=Actor.cli(),
                          materials={"commitment": io.BytesIO(PDF), "rectification": io.BytesIO(PDF)})  # fmt: skip
    files = [first.file_name_in_storage, second.file_name_in_storage, objection.attachment,
             report.stored_json, report.stored_pdf, *repair.materials.values()]  # fmt: skip
    assert all(default_storage.exists(name) for name in files)

    # When the daily job runs the day after the fifth anniversary of the end of its term
    clock.move_to(half_past_midnight(date(2032, 11, 21)))
    with django_capture_on_commit_callbacks(execute=True):
        run = records_retention_delete(
            today=date(2032, 11, 21), actor=Actor.system("daily-retention")
        )

    # Then the person's record is gone with everything that copied it; the company's stays
    assert [d.record_id for d in run.deleted] == [record.pk]
    assert list(Record.objects.values_list("subject__kind", flat=True)) == ["legal"]
    assert RecordRevision.objects.count() == 0
    assert (Objection.objects.count(), RepairApplication.objects.count()) == (0, 0)
    assert (OutboxItem.objects.count(), OutboxBatch.objects.count()) == (0, 1)
    assert not any(default_storage.exists(name) for name in files)
    assert list(
        UploadBatch.objects.order_by("id").values_list("file_name_in_storage", flat=True)
    ) == ["", ""]
    assert RecordCount.objects.aggregate(n=Sum("records"))["n"] == 1
    report.refresh_from_db()
    assert (report.stored_json, report.stored_pdf) == ("", "")
    assert report_content(report) == {"removed": ARCHIVE_REMOVED}
    found = report_verify(number=report.number, code=report.verification_code)
    assert (found.report, found.genuine, found.removed) == (report, False, True)
    portal = client_for("wanzhou.localhost")
    verified = portal.get(
        "/reports/verify/", {"number": report.number, "code": report.verification_code}
    )
    assert "存档已依《征信业管理条例》第十六条删除，无法再核验报告内容" in verified.content.decode()
    portal.force_login(window)
    assert ARCHIVE_REMOVED in portal.get(f"/console/reports/{report.pk}/").content.decode()
    # The subject stays (reports, consents and the query log name it); people are not scored.
    assert Subject.objects.filter(pk=person.pk).exists()

    # And the audit says what was deleted, under which rule, when, and nothing of its content
    entry = AuditEntry.objects.get(action="retention.delete")
    summary = (
        "2032-11-21 依据《征信业管理条例》第十六条（保存期限规则2013）删除保存期满的个人不良信息1条"
        "（行政处罚1条）；同时删除修订历史1条、异议1件、信用修复申请1件、上报记录1条、"
        "信用报告存档1份、上传原始文件2个、材料和答复文件3个。"
    )
    assert [entry.actor_label, entry.subject_id, entry.record_id] == [
        "system:daily-retention",
        None,
        None,
    ]
    assert entry.details == {
        "on": "2032-11-21",
        "records": {"2013": [record.pk]},
        "counts": {"penalty": 1},
        "copies": {"revisions": 1, "objections": 1, "repairs": 1, "submissions": 0,
                   "upstream_items": 1, "reports": 1, "upload_files": 2, "attachments": 3},
        "summary": summary,
    }  # fmt: skip
    flat = json.dumps(entry.details, ensure_ascii=False)
    for content in (PERSON_NAME, PERSON_ID, "**********", "万州市监罚", "罚款人民币"):
        assert content not in flat

    # A second run finds nothing more
    again = records_retention_delete(
        today=date(2032, 11, 21), actor=Actor.system("daily-retention")
    )
    assert (again.deleted, again.summary()) == (
        [],
        "2032-11-21 没有保存期满的个人不良信息，未删除任何记录。",
    )
    assert AuditEntry.objects.filter(action="retention.delete").count() == 1
    assert Record.objects.count() == 1


def test_a_persons_listing_is_kept_five_years_from_the_day_it_left_the_list(
    district: Department,  # noqa: F811
) -> None:
    # Listed on 2026-06-01 until 2026-12-31 (the listing body's end, inside the rules' 3 years)
    row = listing(1, XDR_MC=PERSON_NAME, XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM=PERSON_ID,
                  YXQZI="2026-12-31")  # fmt: skip
    upload(district, as_record_csv([row]), "名单.csv")
    assert Record.objects.get().publicity_end == date(2026, 12, 31)
    actor = Actor.system("test")

    assert records_retention_delete(today=date(2031, 12, 31), actor=actor).deleted == []
    (deleted,) = records_retention_delete(today=date(2032, 1, 1), actor=actor).deleted
    assert (deleted.kind, deleted.ended_on, deleted.kept_until) == (
        "black_list", date(2026, 12, 31), date(2031, 12, 31))  # fmt: skip
    assert Record.objects.count() == 0


def test_a_record_an_unfinished_upload_is_writing_waits_for_it(
    district: Department,  # noqa: F811
) -> None:
    batch = upload(district, as_csv([person_penalty(1)]))
    UploadBatch.objects.filter(pk=batch.pk).update(status="running")
    actor = Actor.system("test")

    assert records_retention_delete(today=date(2032, 11, 21), actor=actor).deleted == []
    UploadBatch.objects.filter(pk=batch.pk).update(status="done")
    assert len(records_retention_delete(today=date(2032, 11, 21), actor=actor).deleted) == 1
    assert not default_storage.exists(batch.file_name_in_storage)


def test_a_persons_honours_are_not_negative_information(
    district: Department,  # noqa: F811
) -> None:
    row = listing(1, XDR_MC=PERSON_NAME, XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM=PERSON_ID,
                  LX="守信激励", YXQZI="2026-12-31")  # fmt: skip
    upload(district, as_record_csv([row]), "名单.csv")

    run = records_retention_delete(today=date(2040, 1, 1), actor=Actor.system("test"))

    assert (run.deleted, Record.objects.count()) == ([], 1)


def test_a_later_rule_version_applies_only_to_decisions_from_its_start(
    district: Department,  # noqa: F811
    clock: Clock,
) -> None:
    # A version shortening the years for decisions from 2027-01-01 (added before it starts)
    later = RetentionRule.objects.create(code="2027", name="测试版本", basis="测试",
                                         effective_from=date(2027, 1, 1), years=3)  # fmt: skip
    RetentionScope.objects.create(rule=later, subject_kind="natural", record_kind="penalty",
                                  runs_from=RetentionStart.PENALTY_TERM_END)  # fmt: skip
    clock.move_to(date(2027, 1, 10))
    # Two penalties on the same person, carried out on the same day, decided either side of it
    upload(district, as_csv([
        person_penalty(1, JDRQ="2026-12-31", YXQ="2027-01-05"),
        person_penalty(2, JDRQ="2027-01-01", YXQ="2027-01-05"),
    ]))  # fmt: skip
    actor = Actor.system("test")

    (under_2027,) = records_retention_delete(today=date(2030, 1, 6), actor=actor).deleted
    assert (under_2027.rule_code, under_2027.kept_until) == ("2027", date(2030, 1, 5))
    assert records_retention_delete(today=date(2032, 1, 5), actor=actor).deleted == []
    (under_2013,) = records_retention_delete(today=date(2032, 1, 6), actor=actor).deleted
    assert (under_2013.rule_code, under_2013.kept_until) == ("2013", date(2032, 1, 5))


@pytest.mark.parametrize(
    ("runs_from", "changes", "expected"),
    [
        (RetentionStart.PENALTY_TERM_END, {}, date(2027, 11, 20)),
        (RetentionStart.PENALTY_TERM_END, {"penalty_term_end": "2027/11/20"}, date(2027, 11, 20)),
        (RetentionStart.PENALTY_TERM_END, {"penalty_term_end": None}, date(2026, 11, 20)),
        (RetentionStart.PENALTY_TERM_END, {"penalty_term_end": "不详"}, date(2026, 11, 20)),
        (RetentionStart.LISTING_END, {}, date(2027, 5, 20)),
        (RetentionStart.DECISION, {}, date(2026, 11, 20)),
        (RetentionStart.PENALTY_TERM_END, {"repaired_on": date(2027, 3, 1)}, date(2027, 3, 1)),
        (RetentionStart.LISTING_END, {"withdrawn_on": date(2026, 12, 1)}, date(2026, 12, 1)),
        (RetentionStart.LISTING_END, {"withdrawn_on": date(2026, 1, 1)}, date(2026, 11, 20)),
    ],
)
def test_the_years_run_from_the_day_the_conduct_ended(
    runs_from: str, changes: dict[str, Any], expected: date
) -> None:
    facts: dict[str, Any] = {
        "decision_date": date(2026, 11, 20),
        "penalty_term_end": "2027-11-20",
        "publicity_end": date(2027, 5, 20),
        "repaired_on": None,
        "withdrawn_on": None,
    }
    assert conduct_ended_on(runs_from=runs_from, **{**facts, **changes}) == expected


def test_the_command_lists_what_a_dry_run_would_remove(
    district: Department,  # noqa: F811
    clock: Clock,
) -> None:
    upload(district, as_csv([person_penalty(1), penalty(2)]))
    record = Record.objects.get(subject__kind="natural")
    out = io.StringIO()

    call_command("records_retention", "--district", "wanzhou", "--dry-run", "--on", "2032-11-21",
                 stdout=out)  # fmt: skip

    assert out.getvalue().splitlines() == [
        "wanzhou：2032-11-21 依据《征信业管理条例》第十六条（保存期限规则2013）"
        "将删除保存期满的个人不良信息1条（行政处罚1条）。",
        f"  记录{record.pk}　行政处罚　主体{record.subject_id}　规则2013"
        "　终止之日2027-11-20　保存至2032-11-20",
    ]
    assert Record.objects.count() == 2
    assert not AuditEntry.objects.filter(action="retention.delete").exists()
    with pytest.raises(CommandError, match="只有试运行（--dry-run）可以指定其他日期"):
        call_command("records_retention", "--district", "wanzhou", "--on", "2032-11-21")

    clock.move_to(half_past_midnight(date(2032, 11, 21)))
    out = io.StringIO()
    call_command("records_retention", "--district", "wanzhou", stdout=out)
    assert out.getvalue() == (
        "wanzhou：2032-11-21 依据《征信业管理条例》第十六条（保存期限规则2013）"
        "删除保存期满的个人不良信息1条（行政处罚1条）；同时删除上传原始文件1个。\n"
    )
    assert list(Record.objects.values_list("subject__kind", flat=True)) == ["legal"]
