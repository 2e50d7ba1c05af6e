"""Department files as they really are (issue 20): the national templates' Chinese headers with
numbered code columns, title rows and other sheets, the 2016 field codes with the fields that
format never had derived and marked, and columns the platform does not know, which wait for the
clerk, whose decision is remembered."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from core.catalog.models import Department
from core.collection.models import MappingProfile, UploadBatch, UploadBatchStatus
from core.collection.selectors import batch_mapping_view
from core.collection.services import batch_create, batch_ingest, batch_mapping_confirm
from core.common.actors import Actor
from core.common.errors import Conflict, ValidationFailed
from core.records.models import Record
from tests.core.collection.conftest import problems, upload
from tests.core.collection.files import (
    DEPARTMENT_CODE,
    PENALTY_TEMPLATE,
    licence,
    licence_2016,
    template_csv,
    template_row,
    template_xlsx,
    uscc,
)


def results_lines(batch: UploadBatch) -> list[list[str]]:
    text = default_storage.open(batch.results_name).read().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def create(department: Department, content: bytes, filename: str = "处罚.csv") -> UploadBatch:
    """Upload without ingesting: the batch as the clerk first sees it."""
    return batch_create(
        actor=Actor.cli(),
        department=department,
        filename=filename,
        content=io.BytesIO(content),
        size=len(content),
    )


# (a) The national penalty template, as produced by the office.


def test_the_national_penalty_template_in_gbk_stores_every_row(district: Department) -> None:
    batch = upload(district, template_csv(30))

    assert (batch.status, batch.stored, batch.rejected) == (UploadBatchStatus.DONE, 30, 0)
    assert batch.mapping["confirmed_by"] == "自动识别"
    record = Record.objects.get(doc_number="万州市监罚〔2026〕7号")
    assert record.subject.uscc == uscc(7)
    assert record.derived_fields is None  # the template carries every field


def test_an_xlsx_with_a_title_row_on_its_second_sheet_is_read_where_the_table_is(
    district: Department,
) -> None:
    batch = upload(district, template_xlsx(30), "行政处罚信息报送表.xlsx")

    assert (batch.status, batch.stored, batch.rejected) == (UploadBatchStatus.DONE, 30, 0)
    assert (batch.mapping["sheet_name"], batch.mapping["header_row"]) == ("行政处罚", 3)
    assert batch.rows_total == 30
    assert Record.objects.filter(doc_number="万州市监罚〔2026〕30号").exists()
    # Rows are numbered as the spreadsheet numbers them: the first data row is row 4.
    assert results_lines(batch)[1][:2] == ["4", "新增"]


# (b) The 2016 licensing format: fields it never had are derived, and marked.


def test_a_2016_licensing_file_is_completed_visibly(district: Department) -> None:
    content = licence_2016(
        licence(1),
        licence(2, XK_XDR_SHXYM=uscc(2, head="92500101"), XK_ZT=""),
        licence(3, DFBM="500102"),
        licence(4, XK_XZJG="重庆市万州区不存在局"),
    )

    batch = upload(district, content, "许可.csv")

    assert (batch.status, batch.stored, batch.rejected) == (UploadBatchStatus.DONE, 2, 2)
    first = Record.objects.get(doc_number="万州市监许〔2016〕1号")
    assert first.fields["XK_XDR_LB"] == "法人及非法人组织"
    assert first.fields["XK_YXQZ"] == "2026-11-02"  # 有效期自 = 许可决定日期
    assert first.fields["XK_XKJGDM"] == DEPARTMENT_CODE  # found by name in the directory
    assert (first.fields["XK_LYDW"], first.fields["XK_LYDWDM"]) == (district.name, district.code)
    assert first.fields["XK_ZT"] == "正常"
    assert first.fields["XK_XKWS"] == "食品经营许可"  # 项目名称
    assert first.derived_fields == {
        "XK_XDR_LB": "由统一社会信用代码或身份证号码推定",
        "XK_YXQZ": "取许可决定日期",
        "XK_XKJGDM": "按机关名称从本区县部门名录查得",
        "XK_LYDW": "取上传部门名称",
        "XK_LYDWDM": "取上传部门的统一社会信用代码",
        "XK_ZT": "状态代码（0正常、1撤销、2异议、3其他）转换为文字，空白记为“正常”",
    }
    individual = Record.objects.get(doc_number="万州市监许〔2016〕2号")
    assert individual.fields["XK_XDR_LB"] == "个体工商户"
    assert individual.fields["XK_ZT"] == "正常"
    assert problems(batch) == {
        4: ["DFBM: 与本区县行政区划代码（500101）不符"],
        5: [
            "XK_XKJGDM: 文件没有此列，且“重庆市万州区不存在局”不在本区县部门名录中，"
            "无法推定其统一社会信用代码：请在文件中补充该列，或在部门管理中登记该机关"
        ],
    }
    lines = results_lines(batch)
    assert lines[1][:2] == ["2", "新增"]
    assert lines[1][4] == (  # in the standard's field order
        f"行政相对人类别：法人及非法人组织；有效期自：2026-11-02；许可机关统一社会信用代码："
        f"{DEPARTMENT_CODE}；当前状态：正常；数据来源单位：{district.name}；"
        f"数据来源单位统一社会信用代码：{district.code}"
    )


def test_the_mapping_shows_what_is_derived_and_the_rows_as_they_will_be_read(
    district: Department,
) -> None:
    batch = create(district, licence_2016(licence(1)), "许可.csv")

    view = batch_mapping_view(batch)

    assert (view.kind_name, view.header_row) == ("行政许可", 1)
    assert [(c.header, c.status_label) for c in view.columns][10:] == [
        ("XK_ZT", "已识别"),
        ("DFBM", "仅核对"),
        ("SJC", "不导入"),
        ("BZ", "已识别"),
    ]
    assert ("有效期自", "取许可决定日期") in view.derivations
    first = dict(zip(view.preview_labels, view.preview[0], strict=True))
    assert first["行政相对人类别"] == ("法人及非法人组织", True)
    assert first["行政相对人名称"] == ("重庆市万州区第1超市有限公司", False)


def test_a_subject_kind_that_cannot_be_derived_says_why(district: Department) -> None:
    content = licence_2016(licence(1, XK_XDR_SHXYM="91500101MA0000000X"))

    batch = upload(district, content, "许可.csv")

    assert batch.rejected == 1
    assert problems(batch)[2][0] == (
        "XK_XDR_LB: 文件没有此列，且无法由统一社会信用代码或身份证号码推定（代码和身份证号码均无效或为空）"
    )


def test_money_in_yuan_is_converted_and_marked(district: Department) -> None:
    headers = [h if h != "罚款金额（万元）" else "罚款金额（元）" for h in PENALTY_TEMPLATE]
    content = template_csv(1, headers=headers).replace(b",0.5,", b",5000,")

    batch = upload(district, content)

    record = Record.objects.get()
    assert (batch.stored, record.fine_wan, record.fields["CF_NR_FK"]) == (1, Decimal("0.5"), "0.5")
    assert record.derived_fields == {"CF_NR_FK": "由元换算为万元"}


# (c) A column the platform does not know: stops, is decided once, is remembered.


def test_an_unknown_column_waits_for_the_clerk_and_the_decision_is_remembered(
    district: Department,
) -> None:
    headers = [*PENALTY_TEMPLATE, "经办人"]
    content = template_csv(3, headers=headers)

    waiting = upload(district, content)

    assert waiting.status == UploadBatchStatus.MAPPING
    assert waiting.mapping["problems"] == ["第31列“经办人”未识别：请选择它对应的字段，或忽略该列"]
    assert Record.objects.count() == 0

    confirmed = batch_mapping_confirm(
        actor=Actor.cli(), batch=waiting, kind="CF", decisions={30: ""}
    )
    done = batch_ingest(batch_id=confirmed.pk)

    assert (done.status, done.stored) == (UploadBatchStatus.DONE, 3)
    profile = MappingProfile.objects.get()
    assert (profile.department, profile.kind, profile.decisions["30"]) == (district, "CF", "")

    again = upload(district, template_csv(4, headers=headers))

    assert (again.status, again.stored, again.duplicate) == (UploadBatchStatus.DONE, 1, 3)
    assert again.mapping["confirmed_by"] == f"映射方案（{Actor.cli().label}保存）"
    profile.refresh_from_db()
    assert profile.used_count == 1


def test_a_profile_that_no_longer_matches_is_explained_and_applied_to_the_columns_it_names(
    district: Department,
) -> None:
    first = upload(district, template_csv(1, headers=[*PENALTY_TEMPLATE, "经办人"]))
    batch_mapping_confirm(actor=Actor.cli(), batch=first, kind="CF", decisions={30: ""})

    changed = upload(district, template_csv(1, headers=[*PENALTY_TEMPLATE, "经办人", "联系电话"]))

    assert changed.status == UploadBatchStatus.MAPPING
    saved = changed.mapping["problems"][0]
    assert saved.startswith("本部门")
    assert saved.endswith(
        "保存的列映射方案与本文件的表头不完全一致（本文件多出列“联系电话”）：已按方案映射相同的列，请核对后确认"
    )
    assert changed.mapping["problems"][1:] == [
        "第32列“联系电话”未识别：请选择它对应的字段，或忽略该列"
    ]
    assert changed.mapping["layout"]["columns"]["30"] == ""  # 经办人, ignored as before


# Bad input: explained before anything is stored, naming the columns.


def test_two_columns_for_one_field_stop_the_file(district: Department) -> None:
    headers = [*PENALTY_TEMPLATE[:2], "统一社会信用代码", *PENALTY_TEMPLATE[2:]]
    rows = [r[:2] + [r[2]] + r[2:] for r in (template_row(1),)]
    out = io.StringIO()
    csv.writer(out).writerows([headers, *rows])

    batch = upload(district, out.getvalue().encode("gbk"))

    assert batch.status == UploadBatchStatus.MAPPING
    assert batch.mapping["problems"] == [
        "第4列“行政相对人代码_1(统一社会信用代码)”与第3列“统一社会信用代码”对应同一字段"
        "“统一社会信用代码”：同一字段只能取一列，请为其中一列选择“忽略此列”或改选其他字段"
    ]
    with pytest.raises(ValidationFailed) as refused:
        batch_mapping_confirm(actor=Actor.cli(), batch=batch, kind="CF", decisions={3: "XDR_SHXYM"})
    assert refused.value.details["problems"] == [
        "第3列“统一社会信用代码”、第4列“行政相对人代码_1(统一社会信用代码)”对应同一字段"
        "（统一社会信用代码）：请只保留一列，其余忽略"
    ]
    assert Record.objects.count() == 0


def test_a_duplicated_header_label_is_named(district: Department) -> None:
    batch = upload(district, template_csv(1, headers=[*PENALTY_TEMPLATE[:-1], "处罚机关"]))

    assert batch.mapping["problems"] == [
        "第30列“处罚机关”与第26列表头相同：同一字段只能取一列，请为其中一列选择“忽略此列”或改选其他字段"
    ]


def test_a_file_whose_kind_cannot_be_told_waits_for_the_clerk_to_say(
    district: Department,
) -> None:
    out = io.StringIO()
    csv.writer(out).writerows([["行政相对人名称", "统一社会信用代码"], ["某公司", uscc(1)]])

    batch = upload(district, out.getvalue().encode("gbk"))

    assert (batch.status, batch.kind) == (UploadBatchStatus.MAPPING, "")
    assert batch.mapping["problems"] == [
        "无法判断文件类别：表头既不像行政许可，也不像行政处罚或平台通用模板，请选择类别"
    ]
    with pytest.raises(ValidationFailed) as refused:
        batch_mapping_confirm(actor=Actor.cli(), batch=batch, kind="CF", decisions={})
    assert refused.value.details["problems"][0] == (
        "文件缺少必填字段“行政处罚决定书文号”（CF_WSH），平台也无法推定：请在文件中补充该列"
    )


def test_a_confirmed_mapping_cannot_be_confirmed_again(district: Department) -> None:
    batch = upload(district, template_csv(1))

    with pytest.raises(Conflict, match="该批次的列映射已确认"):
        batch_mapping_confirm(actor=Actor.cli(), batch=batch, kind="CF", decisions={})


# The command line: refuses unknown columns unless told, takes a mapping file.


def _import(path: Path, *options: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "records", "import", "--district", "wanzhou", "--department", DEPARTMENT_CODE,
        *options, str(path), stdout=out, stderr=err,
    )  # fmt: skip
    return out.getvalue(), err.getvalue()


def test_the_command_line_refuses_unknown_columns_unless_told(
    district: Department, tmp_path: Path
) -> None:
    path = tmp_path / "处罚.csv"
    path.write_bytes(template_csv(2, headers=[*PENALTY_TEMPLATE, "经办人"]))
    err = io.StringIO()

    with pytest.raises(CommandError, match="等待列映射：用 --mapping 映射文件指定这些列"):
        call_command(
            "records", "import", "--district", "wanzhou", "--department", DEPARTMENT_CODE,
            str(path), stdout=io.StringIO(), stderr=err,
        )  # fmt: skip
    assert err.getvalue().splitlines() == [
        "列映射未完成，文件未导入：",
        "  - 第31列“经办人”未识别：请选择它对应的字段，或忽略该列",
    ]
    with schema_context("wanzhou"):
        assert Record.objects.count() == 0

    out, _ = _import(path, "--ignore-unknown")

    assert out.splitlines()[0] == "忽略第31列“经办人”"
    assert "共 2 行，新增 2" in out.splitlines()[1]


def test_the_command_line_takes_a_mapping_file(district: Department, tmp_path: Path) -> None:
    headers = [h if h != "违法事实" else "案情摘要" for h in PENALTY_TEMPLATE] + ["经办人"]
    path = tmp_path / "处罚.csv"
    path.write_bytes(template_csv(1, headers=headers))
    mapping = tmp_path / "映射.csv"
    mapping.write_bytes("文件表头,对应字段\n案情摘要,违法事实\n经办人,忽略\n".encode("gbk"))

    out, _ = _import(path, "--mapping", str(mapping))

    assert "新增 1" in out
    with schema_context("wanzhou"):
        assert Record.objects.get().fields["CF_SY"] == "经查，当事人销售商品未明码标价。"

    wrong = tmp_path / "错.csv"
    wrong.write_bytes("案情摘要,处罚理由\n".encode())
    with pytest.raises(CommandError, match="映射文件第1行：“处罚理由”不是行政处罚的字段"):
        _import(path, "--mapping", str(wrong))
    with schema_context("wanzhou"):  # refused before the file was uploaded
        assert UploadBatch.objects.count() == 1


def test_a_batch_queued_before_the_mapping_step_is_mapped_when_its_ingest_runs(
    district: Department,
) -> None:
    def queued(content: bytes) -> UploadBatch:
        from django.core.files.base import ContentFile

        name = default_storage.save("uploads/old.csv", ContentFile(content))
        return UploadBatch.objects.create(
            department=district, uploaded_by="x", filename="old.csv", file_name_in_storage=name,
            file_sha256="0" * 64, size=len(content), status=UploadBatchStatus.QUEUED,
        )  # fmt: skip

    plain = batch_ingest(batch_id=queued(template_csv(2)).pk)
    unknown = batch_ingest(
        batch_id=queued(template_csv(1, headers=[*PENALTY_TEMPLATE, "经办人"])).pk
    )

    assert (plain.status, plain.stored) == (UploadBatchStatus.DONE, 2)
    assert (unknown.status, unknown.stored) == (UploadBatchStatus.MAPPING, 0)
