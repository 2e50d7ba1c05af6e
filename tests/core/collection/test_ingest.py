from __future__ import annotations

import base64
import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from core.accounts.enums import StaffRole
from core.catalog.models import Department
from core.collection.models import RejectedRow, UploadBatch, UploadBatchStatus
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from core.common.errors import PermissionDenied, ValidationFailed
from core.records.models import Record, RecordRevision
from core.subjects.models import Subject, SubjectName
from core.subjects.protection import decrypt, lookup_hash
from tests.conftest import make_staff
from tests.core.collection.conftest import TODAY, problems, upload
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, as_xlsx, decided, penalty, uscc
from tests.support.clock import on_calendar_days


def test_a_gbk_file_with_chinese_headers_and_broken_rows(district: Department) -> None:
    rows = [
        penalty(1),
        penalty(2),
        penalty(3, XDR_SHXYM=uscc(3)[:17] + ("0" if uscc(3)[17] != "0" else "1")),
        penalty(4, JDRQ="2026-02-30", NR_FK="-1"),
        penalty(
            5,
            CFLB="罚款、警告",
            WSH="万州市监罚〔2026〕5号",
            XDR_MC="重庆市万州区第1建设有限公司",
            XDR_SHXYM=uscc(1),
        ),
    ]

    batch = upload(district, as_csv(rows))

    assert batch.status == UploadBatchStatus.DONE
    assert batch.kind == "CF"
    assert (batch.stored, batch.updated, batch.duplicate, batch.rejected, batch.rows_done) == (
        3,
        0,
        0,
        2,
        5,
    )
    assert problems(batch) == {
        4: [
            f"CF_XDR_SHXYM: 统一社会信用代码校验位错误：第18位应为“{uscc(3)[17]}”，实为“{rows[2]['XDR_SHXYM'][17]}”"
        ],
        5: ["CF_JDRQ: 日期“2026-02-30”不存在", "CF_NR_FK: 金额不能为负数"],
    }
    assert Subject.objects.count() == 2
    record = Record.objects.get(doc_number="万州市监罚〔2026〕1号")
    assert (record.subject.uscc, record.fine_wan, record.severity, record.regime_code) == (
        uscc(1), Decimal("0.2"), "ordinary", "2026",
    )  # fmt: skip
    assert (record.publicity_start, record.repair_from, record.publicity_end) == (
        date(2026, 11, 20), date(2027, 2, 20), date(2027, 11, 20),
    )  # fmt: skip
    assert (record.supplied_on, record.supply_deadline, record.timely) == (
        TODAY,
        date(2026, 12, 1),
        True,
    )
    assert (record.batch_id, record.source_row, record.file_sha256) == (
        batch.pk,
        2,
        batch.file_sha256,
    )
    assert record.fields["CF_WSH"] == "万州市监罚〔2026〕1号"


def test_results_and_rejected_rows_files_can_be_fixed_and_uploaded_again(
    district: Department,
) -> None:
    batch = upload(district, as_csv([penalty(1), penalty(2, JDRQ="2026/13/01")]))
    results = default_storage.open(batch.results_name).read().decode("utf-8-sig").splitlines()
    rejected = default_storage.open(batch.rejected_name).read().decode("utf-8-sig")

    assert results[0] == "行号,结果,记录编号,说明,平台推定的字段"
    assert results[1].startswith("2,新增,")
    assert results[1].endswith(",,")  # the file supplied every field
    assert (
        results[2] == "3,退回,,处罚决定日期（CF_JDRQ）：日期“2026/13/01”不存在（值为“2026/13/01”）,"
    )
    assert rejected.splitlines()[0].endswith(",错误原因")
    assert "2026/13/01" in rejected

    fixed = rejected.replace("2026/13/01", "2026-11-13").encode("gbk")
    again = upload(district, fixed, "退回行改正.csv")

    assert (again.stored, again.rejected) == (1, 0)
    assert Record.objects.count() == 2


def test_the_same_file_twice_changes_nothing(district: Department) -> None:
    content = as_csv([penalty(1), penalty(2)])
    upload(district, content)

    again = upload(district, content)

    assert (again.stored, again.updated, again.duplicate, again.rejected) == (0, 0, 2, 0)
    assert Record.objects.count() == 2
    assert RecordRevision.objects.count() == 0


def test_a_corrected_row_updates_its_record_and_keeps_the_old_version(district: Department) -> None:
    upload(district, as_csv([penalty(1)]))

    batch = upload(district, as_csv([penalty(1, NR="罚款人民币叁仟元整", NR_FK="0.3")]))

    record = Record.objects.get()
    assert (batch.updated, batch.stored) == (1, 0)
    assert (record.fine_wan, record.fields["CF_NR"]) == (Decimal("0.3"), "罚款人民币叁仟元整")
    revision = RecordRevision.objects.get(record=record)
    assert revision.fields["CF_NR"] == "罚款人民币贰仟元整"
    assert (revision.batch_id, revision.content_hash) != (batch.pk, record.content_hash)
    from core.audit.models import AuditEntry

    update = AuditEntry.objects.get(action="record.update")
    assert (update.record_id, update.subject_id) == (record.pk, record.subject_id)
    assert update.details == {"batch": batch.pk, "row": 2}
    assert update.actor_label == f"system:upload:{batch.uploaded_by}"


def test_a_row_repeated_in_one_file_is_reported_as_a_duplicate(district: Department) -> None:
    batch = upload(district, as_csv([penalty(1), penalty(1)]))

    assert (batch.stored, batch.duplicate) == (1, 1)
    results = default_storage.open(batch.results_name).read().decode("utf-8-sig").splitlines()
    assert results[2] == f"3,重复,{Record.objects.get().pk},与第2行重复,"


def test_xlsx_with_field_codes_and_excel_dates(district: Department) -> None:
    from datetime import datetime

    rows: list[dict[str, Any]] = [penalty(1)]
    rows[0]["JDRQ"] = datetime(2026, 11, 20)  # noqa: DTZ001 (an Excel date cell)
    rows[0]["NR_FK"] = 0.2

    batch = upload(district, as_xlsx(rows), "处罚.xlsx")

    assert (batch.stored, batch.rejected) == (1, 0)
    assert Record.objects.get().decision_date == date(2026, 11, 20)


def test_legacy_headers_are_mapped(district: Department) -> None:
    legacy = (
        "CF_XDR_MC,XDR_LB,CF_XDR_SHXYM,WSH,CF_CFMC,CF_SY,CF_YJ,CF_CFLB1,CF_CFLB2,CF_JG,NR_FK,CF_JDRQ,YXQ,CF_XZJG,CFJGDM,SJLY,SJLYDM,DFBM,SJC\n"
        f"重庆市万州区第1建设有限公司,法人及非法人组织,{uscc(1)},万州罚〔2016〕1号,违规经营,事实,依据,罚款,警告,罚款贰仟元,0.2,"
        f"2026-11-20,2027-11-20,万州区市场监管局,{DEPARTMENT_CODE},万州区市场监管局,{DEPARTMENT_CODE},500101,20161201\n"
    ).encode()

    batch = upload(district, legacy)

    assert (batch.stored, batch.rejected) == (1, 0), problems(batch)
    record = Record.objects.get()
    assert record.fields["CF_CFLB"] == "罚款;警告"
    assert record.fields["CF_WFXW"] == "违规经营"


def test_a_required_column_nothing_derives_stops_the_file_before_anything_is_stored(
    district: Department,
) -> None:
    rows = [{k: v for k, v in penalty(1).items() if k not in ("WSH", "YJ")}]

    batch = upload(district, as_csv(rows))

    assert batch.status == UploadBatchStatus.MAPPING
    assert batch.mapping["problems"] == [
        "文件缺少必填字段“行政处罚决定书文号”（CF_WSH），平台也无法推定：请在文件中补充该列",
        "文件缺少必填字段“处罚依据”（CF_YJ），平台也无法推定：请在文件中补充该列",
    ]
    assert Record.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "filename", "error"),
    [
        (
            b"\x80\x81\xff,\xfe\n\x80\x80\n",
            "x.csv",
            "无法识别文件编码：请另存为UTF-8或GBK编码的CSV，或上传XLSX",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "old.xls",
            "不支持旧版Excel（.xls）文件：请在Excel中另存为.xlsx后上传",
        ),
        ("\ufeff".encode() + b"\x00\x01binary", "x.csv", "文件不是文本格式的CSV，也不是XLSX"),
    ],
)
def test_unreadable_files_fail_with_a_clear_reason(
    district: Department, content: bytes, filename: str, error: str
) -> None:
    batch = upload(district, content, filename)

    assert batch.status == UploadBatchStatus.FAILED
    assert batch.error == error


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 50_000_000)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"PK\x03\x04 this is not a zip", "文件已损坏或不是有效的XLSX文件"),
        (None, "XLSX文件中的“xl/worksheets/sheet1.xml”压缩比超过200倍（疑似压缩炸弹），已拒绝"),
    ],
)
def test_a_zip_bomb_or_a_broken_xlsx_is_refused_before_storing(
    district: Department, content: bytes | None, error: str, tmp_path: Path
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        upload(district, content or _bomb(), "bomb.xlsx")

    assert (refused.value.field, refused.value.message) == ("file", error)
    assert UploadBatch.objects.count() == 0
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []  # the media folder


def test_oversize_files_are_refused_before_storing(district: Department, settings: Any) -> None:
    settings.COLLECTION_MAX_UPLOAD_BYTES = 100

    with pytest.raises(ValidationFailed, match="超过上限"):
        upload(district, as_csv([penalty(1)]))
    assert UploadBatch.objects.count() == 0


def test_formula_text_is_stored_as_text_and_neutralised_in_exports(district: Department) -> None:
    batch = upload(
        district, as_csv([penalty(1, NR='=HYPERLINK("http://x")'), penalty(2, JDRQ="=1+1")])
    )

    assert Record.objects.get().fields["CF_NR"] == '=HYPERLINK("http://x")'
    rejected = default_storage.open(batch.rejected_name).read().decode("utf-8-sig")
    assert "'=1+1" in rejected


def test_natural_persons_are_found_by_exact_number_but_stored_masked(district: Department) -> None:
    person = penalty(
        1,
        XDR_MC="李四",
        XDR_LB="自然人",
        XDR_SHXYM="",
        XDR_ZJLX="身份证",
        XDR_ZJHM="11010519491231002X",
        FRDB="",
    )

    batch = upload(district, as_csv([person]))

    assert batch.stored == 1, problems(batch)
    subject = Subject.objects.get()
    assert (subject.kind, subject.uscc, subject.id_masked) == (
        "natural",
        None,
        "1101**********002X",
    )
    assert subject.id_hash == lookup_hash("11010519491231002X")
    assert decrypt(subject.id_cipher) == "11010519491231002X"
    assert "11010519491231002X" not in str(Subject.objects.values().get())
    record = Record.objects.get()
    assert record.fields["CF_XDR_ZJHM"] == "1101**********002X"
    assert {k: decrypt(v) for k, v in record.sealed.items()} == {
        "CF_XDR_ZJHM": "11010519491231002X"
    }
    assert "11010519491231002X" not in str(Record.objects.values().get())


def test_a_sealed_number_still_tells_a_repeat_from_a_correction(district: Department) -> None:
    person = {"XDR_MC": "李四", "XDR_LB": "自然人", "XDR_SHXYM": "", "FRDB": ""}
    upload(district, as_csv([penalty(1, XDR_ZJHM="11010519491231002X", **person)]))

    again = upload(district, as_csv([penalty(1, XDR_ZJHM="11010519491231002X", **person)]))
    # Same mask, another number: a correction (the number moves the record to that person).
    other = upload(district, as_csv([penalty(1, XDR_ZJHM="11010519571231002X", **person)]))

    assert (again.duplicate, other.updated) == (1, 1)
    record = Record.objects.get()
    assert record.fields["CF_XDR_ZJHM"] == "1101**********002X"
    assert decrypt(record.sealed["CF_XDR_ZJHM"]) == "11010519571231002X"
    revision = RecordRevision.objects.get(record=record)
    assert decrypt(revision.sealed["CF_XDR_ZJHM"]) == "11010519491231002X"
    assert Subject.objects.get(pk=record.subject_id).id_hash == lookup_hash("11010519571231002X")


def test_rekey_reseals_records_so_a_repeat_stays_a_repeat(
    district: Department, settings: Any
) -> None:
    old_data = base64.urlsafe_b64encode(b"o" * 32).decode()
    new_data = base64.urlsafe_b64encode(b"n" * 32).decode()
    settings.SUBJECT_LOOKUP_KEY, settings.SUBJECT_DATA_KEY = "old-lookup-key", old_data
    row = penalty(1, XDR_MC="李四", XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM="11010519491231002X")
    upload(district, as_csv([row]))
    settings.SUBJECT_LOOKUP_KEY, settings.SUBJECT_LOOKUP_KEY_FALLBACKS = (
        "new-lookup-key",
        ["old-lookup-key"],
    )
    settings.SUBJECT_DATA_KEY, settings.SUBJECT_DATA_KEY_FALLBACKS = new_data, [old_data]

    first, second = StringIO(), StringIO()
    call_command("subjects_rekey", "--district", "wanzhou", stdout=first)
    call_command("subjects_rekey", "--district", "wanzhou", stdout=second)
    settings.SUBJECT_LOOKUP_KEY_FALLBACKS, settings.SUBJECT_DATA_KEY_FALLBACKS = [], []
    again = upload(district, as_csv([row]))

    assert first.getvalue().endswith("；1条记录含证件号码，更新1条\n")
    assert second.getvalue().endswith("；1条记录含证件号码，更新0条\n")
    assert (again.stored, again.updated, again.duplicate) == (0, 0, 1)
    assert decrypt(Record.objects.get().sealed["CF_XDR_ZJHM"]) == "11010519491231002X"


def test_a_newer_name_renames_the_subject_and_keeps_the_history(district: Department) -> None:
    upload(district, as_csv([penalty(1, XDR_MC="重庆万州旧名有限公司", JDRQ="2026-03-01")]))
    upload(
        district,
        as_csv([penalty(2, XDR_SHXYM=uscc(1), XDR_MC="重庆万州新名有限公司", JDRQ="2026-10-01")]),
    )
    upload(
        district,
        as_csv([penalty(3, XDR_SHXYM=uscc(1), XDR_MC="重庆万州旧名有限公司", JDRQ="2026-01-01")]),
    )

    subject = Subject.objects.get()
    assert subject.name == "重庆万州新名有限公司"
    assert sorted(SubjectName.objects.values_list("name", flat=True)) == [
        "重庆万州新名有限公司",
        "重庆万州旧名有限公司",
    ]


def test_rows_for_another_department_are_rejected(district: Department) -> None:
    other = uscc(99)

    batch = upload(district, as_csv([penalty(1, SJLYDM=other)]))

    assert problems(batch) == {
        2: [f"CF_SJLYDM: 数据来源单位代码与上传部门（{DEPARTMENT_CODE}）不符"]
    }


def test_a_data_clerk_uploads_only_for_their_own_department(district: Department) -> None:
    from core.catalog.models import StaffAssignment

    clerk = make_staff("wanzhou", "clerk@wanzhou.test", StaffRole.DATA_CLERK)
    other = Department.objects.create(code=uscc(77), name="重庆市万州区交通局")
    StaffAssignment.objects.create(user=clerk, department=other)
    content = as_csv([penalty(1)])

    with pytest.raises(PermissionDenied, match="数据录入员只能为本部门录入和上传数据"):
        batch_create(actor=Actor.cli(), user=clerk, department=district, filename="x.csv",
                     content=io.BytesIO(content), size=len(content))  # fmt: skip


def test_every_stored_row_is_audited(district: Department) -> None:
    from core.audit.models import AuditEntry

    batch = upload(district, as_csv([penalty(1), penalty(2)]))

    actions = list(
        AuditEntry.objects.filter(action="record.store").values_list("details", flat=True)
    )
    assert sorted(d["row"] for d in actions) == [2, 3]
    assert all(d["batch"] == batch.pk for d in actions)
    assert RejectedRow.objects.count() == 0


def test_an_interrupted_batch_starts_over_with_fresh_counts(district: Department) -> None:
    batch = upload(district, as_csv([penalty(1), penalty(2, JDRQ="x"), penalty(1)]))
    UploadBatch.objects.filter(pk=batch.pk).update(
        status=UploadBatchStatus.RUNNING
    )  # as if the worker died

    again = batch_ingest(batch_id=batch.pk)

    # The row it had stored is still its own (stored), the repeat still a duplicate of it.
    assert (again.stored, again.duplicate, again.rejected, again.rows_done) == (1, 1, 1, 3)
    assert RejectedRow.objects.filter(batch=again).count() == 1
    assert Record.objects.filter(batch_id=batch.pk).count() == 1
    results = default_storage.open(again.results_name).read().decode("utf-8-sig").splitlines()
    assert [line.split(",")[:2] for line in results[1:]] == [
        ["2", "新增"], ["3", "退回"], ["4", "重复"]]  # fmt: skip


def test_an_interrupted_batch_that_corrected_records_still_reports_updates(
    district: Department,
) -> None:
    upload(district, as_csv([penalty(1)]))
    batch = upload(district, as_csv([penalty(1, NR="罚款人民币叁仟元整", NR_FK="0.3")]))
    assert batch.updated == 1
    UploadBatch.objects.filter(pk=batch.pk).update(status=UploadBatchStatus.RUNNING)

    again = batch_ingest(batch_id=batch.pk)

    assert (again.stored, again.updated, again.duplicate) == (0, 1, 0)
    assert RecordRevision.objects.count() == 1


def test_a_changed_repeat_within_one_file_does_not_overwrite_the_first_row(
    district: Department,
) -> None:
    rows = [penalty(1), penalty(2), penalty(1, NR="另一版本的处罚内容")]

    batch = upload(district, as_csv(rows))

    assert (batch.stored, batch.updated, batch.duplicate) == (2, 0, 1)
    assert (
        Record.objects.get(doc_number="万州市监罚〔2026〕1号").fields["CF_NR"]
        == "罚款人民币贰仟元整"
    )
    assert RecordRevision.objects.count() == 0


def test_another_department_cannot_change_a_record(district: Department) -> None:
    upload(district, as_csv([penalty(1)]))
    other = Department.objects.create(code=uscc(88, head="11500101"), name="重庆市万州区交通运输局")

    batch = upload(
        other, as_csv([penalty(1, SJLYDM=other.code, NR="罚款人民币伍万元整", NR_FK="5")])
    )

    assert (batch.updated, batch.rejected) == (0, 1)
    assert problems(batch) == {
        2: ["CF_WSH: 该文书号的记录由重庆市万州区市场监督管理局报送，只能由该部门更正"]
    }
    record = Record.objects.get()
    assert (record.department_id, record.fine_wan) == (district.pk, Decimal("0.2"))
    rejected = default_storage.open(batch.rejected_name).read().decode("utf-8-sig")
    assert "罚款人民币伍万元整" in rejected
    assert "只能由该部门更正" in rejected


def test_console_entry_refuses_a_change_to_another_departments_record(
    district: Department,
) -> None:
    from core.collection.services import record_enter

    upload(district, as_csv([penalty(1)]))
    other = Department.objects.create(code=uscc(88, head="11500101"), name="重庆市万州区交通运输局")
    admin = make_staff("wanzhou", "entry-admin@wanzhou.test", StaffRole.DISTRICT_ADMIN)

    outcome = record_enter(actor=admin, department=other, prefix="CF",
                           values=penalty(1, SJLYDM=other.code, NR="改动"))  # fmt: skip

    assert [str(p) for p in outcome] == [  # type: ignore[union-attr]
        "行政处罚决定书文号（CF_WSH）：该文书号的记录由重庆市万州区市场监督管理局报送，只能由该部门更正（值为“万州市监罚〔2026〕1号”）"
    ]


def test_numbers_stored_before_sealing_are_sealed_by_the_migration(district: Department) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("core.records.migrations.0008_seal_identity_numbers")
    number = "11010519491231002X"
    row = penalty(1, XDR_MC="李四", XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM=number)
    upload(district, as_csv([row]))
    record = Record.objects.get()
    # As a record was kept before: the number in clear, nothing sealed, the old kind of hash.
    Record.objects.filter(pk=record.pk).update(
        fields=record.fields | {"CF_XDR_ZJHM": number}, sealed={}, content_hash="0" * 64
    )

    migration.seal(apps, None)
    migration.seal(apps, None)  # a second run leaves sealed rows alone
    again = upload(district, as_csv([row]))

    record.refresh_from_db()
    assert record.fields["CF_XDR_ZJHM"] == "1101**********002X"
    assert decrypt(record.sealed["CF_XDR_ZJHM"]) == number
    assert (again.duplicate, again.updated) == (1, 0)

    migration.unseal(apps, None)  # reversed: the number back in the fields, as before
    record.refresh_from_db()
    assert (record.fields["CF_XDR_ZJHM"], record.sealed) == (number, {})


def test_code_that_predates_the_sealed_column_can_still_insert(district: Department) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_default FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name IN ('records_record', 'records_recordrevision') "
            "AND column_name = 'sealed'",
            ["wanzhou"],
        )
        assert [d for (d,) in cursor.fetchall()] == ["'{}'::jsonb", "'{}'::jsonb"]


def test_a_legal_representatives_number_is_sealed_on_the_fast_path_too(
    district: Department,
) -> None:
    row = penalty(1, FR_ZJLX="身份证", FR_ZJHM="11010519491231002X")

    first = upload(district, as_csv([row]))
    again = upload(district, as_csv([row]))

    record = Record.objects.get()
    assert (first.stored, again.duplicate) == (1, 1)
    assert record.fields["CF_FR_ZJHM"] == "1101**********002X"
    assert decrypt(record.sealed["CF_FR_ZJHM"]) == "11010519491231002X"
    assert "11010519491231002X" not in str(Record.objects.values().get())


def official_working_day(day: date) -> bool:
    """The State Council's arrangement as chinese-calendar publishes it (weekdays where it has no
    data yet): the oracle for the district's own calendar table."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def seventh_working_day_after(day: date) -> date:
    counted = 0
    while counted < 7:
        day += timedelta(days=1)
        counted += official_working_day(day)
    return day


@on_calendar_days
def test_the_supply_deadline_is_seven_working_days_after_the_decision(
    today: date, district: Department
) -> None:
    # Decisions of today, yesterday and three weeks ago, uploaded today (Beijing time).
    back = [0, 1, 21]
    rows = [penalty(n + 1, **decided(days_ago=days)) for n, days in enumerate(back)]

    upload(district, as_csv(rows))

    for n, days in enumerate(back):
        decision = today - timedelta(days=days)
        record = Record.objects.get(doc_number=rows[n]["WSH"])
        deadline = seventh_working_day_after(decision)
        assert (record.supplied_on, record.supply_deadline, record.timely) == (
            today, deadline, today <= deadline)  # fmt: skip
