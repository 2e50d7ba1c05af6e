"""A record's page and the entry form: manual entry validated like an upload, withdrawal,
correction with its history, and who sees the identity number being corrected."""

from __future__ import annotations

import re
from decimal import Decimal

from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.catalog.models import Department, StaffAssignment
from core.records.fields import LICENSE_STATES, PENALTY_CATEGORIES, PENALTY_FIELDS, RECORD_KINDS
from core.records.models import Record
from tests.conftest import make_staff
from tests.core.collection.files import as_csv, penalty, uscc
from tests.support.pages import signed_in


def test_manual_entry_uses_the_upload_validation(clerk: User, department: Department) -> None:
    client = signed_in(clerk)
    bad = {"department": department.pk, **penalty(1, XDR_SHXYM="91500101000000019X")}
    good = {"department": department.pk, **penalty(1)}

    refused = client.post("/console/records/new/", bad)
    saved = client.post("/console/records/new/", good)

    assert refused.status_code == 200
    assert refused.context["form"].errors["XDR_SHXYM"] == [
        "统一社会信用代码校验位错误：第18位应为“M”，实为“X”"
    ]
    record = Record.objects.get()
    assert saved["Location"] == f"/console/records/{record.pk}/"
    assert record.created_by == "clerk@wanzhou.test"


def test_reviewers_withdraw_and_clerks_cannot(clerk: User, department: Department) -> None:
    signed_in(clerk).post("/console/records/new/", {"department": department.pk, **penalty(1)})
    record = Record.objects.get()
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
    form = {"reason": "复议撤销", "revoked_on": "2026-11-26"}

    refused = signed_in(clerk).post(f"/console/records/{record.pk}/", form)
    done = signed_in(reviewer).post(f"/console/records/{record.pk}/", form)

    assert refused.context["form"].non_field_errors() == [
        "此操作需要以下角色之一：审核员、区县管理员"
    ]
    assert done.status_code == 302
    assert Record.objects.get().withdrawal_reason == "复议撤销"


def test_a_record_is_corrected_from_its_page_and_keeps_its_history(
    clerk: User, department: Department
) -> None:
    from core.records.models import RecordRevision

    client = signed_in(clerk)
    client.post("/console/records/new/", {"department": department.pk, **penalty(1)})
    record = Record.objects.get()

    form = client.get(f"/console/records/new/?from={record.pk}").context["form"]
    values = {name: form.initial.get(name, "") for name in form.fields} | {
        "set": "CF",
        "NR": "罚款人民币叁仟元整",
        "NR_FK": "0.3",
    }
    response = client.post("/console/records/new/", values)

    assert response["Location"] == f"/console/records/{record.pk}/"
    assert Record.objects.get().fine_wan == Decimal("0.3")
    assert RecordRevision.objects.get().fields["CF_NR_FK"] == "0.2"


def test_only_the_supplying_department_sees_the_number_it_is_correcting(
    clerk: User, department: Department
) -> None:
    person = penalty(1, XDR_MC="李四", XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM="11010519491231002X")
    signed_in(clerk).post("/console/records/new/", {"department": department.pk, **person})
    record = Record.objects.get()
    with schema_context("wanzhou"):
        other = Department.objects.create(code=uscc(7, head="11500101"), name="万州区税务局")
    outsider = make_staff("wanzhou", "outsider@wanzhou.test", StaffRole.DATA_CLERK)
    with schema_context("wanzhou"):
        StaffAssignment.objects.create(user=outsider, department=other)

    own = signed_in(clerk).get(f"/console/records/new/?from={record.pk}").context["form"]
    theirs = signed_in(outsider).get(f"/console/records/new/?from={record.pk}").context["form"]
    page = signed_in(outsider).get(f"/console/records/{record.pk}/").content.decode()

    assert own.initial["XDR_ZJHM"] == "11010519491231002X"
    assert theirs.initial["XDR_ZJHM"] == "1101**********002X"
    assert "11010519491231002X" not in page
    from core.audit.models import AuditEntry

    with schema_context("wanzhou"):
        shown = AuditEntry.objects.filter(action="record.numbers_shown")
        assert [(e.actor_label, e.record_id, e.details) for e in shown] == [
            (clerk.email, record.pk, {"fields": ["CF_XDR_ZJHM"], "for": "correction"})
        ]


def test_other_kinds_are_entered_with_the_general_template(
    clerk: User, department: Department
) -> None:
    from tests.core.collection.files import listing

    response = signed_in(clerk).post(
        "/console/records/new/", {"set": "JL", "department": department.pk, **listing(1)}
    )

    assert response.status_code == 302
    assert Record.objects.get().kind == "black_list"


def _options(page: str, name: str) -> list[str]:
    """The values a select (or a group of checkboxes) offers, in order, without the empty one."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    if select is not None:
        return [v for v in re.findall(r'<option value="([^"]*)"', select.group(1)) if v]
    return re.findall(rf'<input type="checkbox" name="{name}" value="([^"]*)"', page)


def _input(page: str, name: str) -> str:
    found = re.search(rf'<input type="[a-z]+" name="{name}"[^>]*>', page)
    assert found is not None, name
    return found.group(0)


def test_the_entry_form_offers_the_standards_code_tables_in_order(
    clerk: User, department: Department
) -> None:
    client = signed_in(clerk)

    penalty_form = client.get("/console/records/new/?set=CF")
    page = penalty_form.content.decode()
    licence = client.get("/console/records/new/?set=XK").content.decode()
    other = client.get("/console/records/new/?set=JL").content.decode()

    assert _options(page, "XDR_LB") == ["法人及非法人组织", "自然人", "个体工商户"]
    assert _options(page, "CFLB") == list(PENALTY_CATEGORIES)
    assert _options(page, "CFLB")[:3] == ["警告", "通报批评", "罚款"]
    assert _options(page, "YZCD") == ["轻微", "一般", "严重"]
    for name in ("XDR_ZJLX", "FR_ZJLX"):
        assert _options(page, name)[:6] == [
            "居民身份证", "临时居民身份证", "户口簿", "军官证", "居住证", "普通护照"
        ]  # fmt: skip
    assert '<option value="居民身份证">111 居民身份证</option>' in page
    assert "港澳居民来往内地通行证" in _options(page, "XDR_ZJLX")
    assert "台湾居民来往大陆通行证" in _options(page, "XDR_ZJLX")
    assert _options(licence, "XKLB") == ["普通", "特许", "认可", "核准", "登记", "其他"]
    assert _options(licence, "ZT") == list(LICENSE_STATES)
    assert _options(other, "LX") == list(RECORD_KINDS)
    # The department is the data source unit (fixed) and, until changed, the deciding body.
    for name, value in (("SJLY", department.name), ("SJLYDM", department.code)):
        assert f'value="{value}"' in _input(page, name)
        assert "readonly" in _input(page, name)
    for name, value in (("CFJG", department.name), ("CFJGDM", department.code)):
        assert f'value="{value}"' in _input(page, name)
        assert "readonly" not in _input(page, name)
    assert f'value="{department.code}"' in _input(licence, "LYDWDM")
    assert 'type="date"' in _input(page, "JDRQ")
    # Grouped, each group in the standard's order; together every field of the standard.
    groups = [
        (title, [f.bound.name for f in fields])
        for title, fields in penalty_form.context["form"].groups()
    ]
    assert [title for title, _ in groups] == ["相对人", "决定", "机关与来源"]
    assert groups[2][1] == ["CFJG", "CFJGDM", "SJLY", "SJLYDM"]
    order = [s.code for s in PENALTY_FIELDS]
    for _, names in groups:
        assert names == sorted(names, key=order.index)
    assert sorted(n for _, names in groups for n in names) == sorted(order)
    assert re.search(r'for="id_WSH">行政处罚决定书文号<span class="req"', page)
    assert re.search(r'for="id_BZ">备注</label>', page)


def test_an_entry_is_stored_with_its_categories_joined_and_the_department_as_source(
    clerk: User, department: Department
) -> None:
    person = penalty(1, XDR_MC="李四", XDR_LB="自然人", XDR_SHXYM="", XDR_ZJLX="居民身份证",
                     XDR_ZJHM="11010519491231002X", CFLB=["警告", "罚款"], YZCD="一般")  # type: ignore[arg-type]  # fmt: skip
    del person["SJLY"], person["SJLYDM"]  # filled in from the department

    response = signed_in(clerk).post(
        "/console/records/new/", {"set": "CF", "department": department.pk, **person}
    )

    record = Record.objects.get()
    assert response["Location"] == f"/console/records/{record.pk}/"
    assert record.fields["CF_CFLB"] == "警告；罚款"
    assert record.fields["CF_XDR_ZJLX"] == "居民身份证"
    assert (record.fields["CF_SJLY"], record.fields["CF_SJLYDM"]) == (
        department.name, department.code
    )  # fmt: skip
    assert record.severity == "ordinary"


def test_a_bad_entry_keeps_what_was_typed_and_names_each_problem_beside_its_field(
    clerk: User, department: Department
) -> None:
    client = signed_in(clerk)
    licence = {"XDR_MC": "重庆市万州区第1建设有限公司", "XDR_LB": "法人及非法人组织",
               "XDR_SHXYM": uscc(1), "XKWS": "食品经营许可决定书", "XKLB": "普通许可",
               "NR": "食品销售", "JDRQ": "2026-11-20", "YXQZ": "2026-11-20",
               "YXQZI": "2031-11-19", "XKJG": department.name, "XKJGDM": department.code,
               "ZT": "有效"}  # fmt: skip

    bad_choice = client.post(
        "/console/records/new/", {"set": "XK", "department": department.pk, **licence}
    )
    missing = client.post(
        "/console/records/new/",
        {"set": "XK", "department": department.pk, **licence, "XKLB": "普通", "XKJG": ""},
    )

    # The form refuses a value outside the code table; the rest is still checked as uploads are.
    assert bad_choice.context["form"].errors == {
        "XKLB": ["“普通许可”不是许可类别的标准值，请从列表中选择"],
        "WSH": ["必填项为空"],
    }
    assert missing.context["form"].errors == {"WSH": ["必填项为空"], "XKJG": ["必填项为空"]}
    page = missing.content.decode()
    assert re.search(
        r'for="id_WSH">行政许可决定文书号<span[^>]*>\*</span></label>'
        r'<input type="text" name="WSH"[^>]*>\s*<p class="error" data-field="WSH">必填项为空</p>',
        page,
    )
    assert 'value="重庆市万州区第1建设有限公司"' in _input(page, "XDR_MC")
    assert 'value="2031-11-19"' in _input(page, "YXQZI")
    assert '<option value="普通" selected>普通</option>' in page
    assert "填写有误" in page
    assert not Record.objects.exists()


def test_correcting_an_uploaded_record_keeps_values_the_form_does_not_list(
    clerk: User, department: Department
) -> None:
    from tests.core.collection.conftest import upload

    row = penalty(1, CFLB="罚款、警告", JDRQ="2026/11/20", FR_ZJLX="身份证",
                  FR_ZJHM="11010519491231002X")  # fmt: skip
    with schema_context("wanzhou"):
        upload(department, as_csv([row]))
    record = Record.objects.get()
    client = signed_in(clerk)

    response = client.get(f"/console/records/new/?from={record.pk}")
    form = response.context["form"]
    values = {name: form.initial.get(name, "") for name in form.fields} | {
        "set": "CF",
        "BZ": "更正",
    }
    saved = client.post(f"/console/records/new/?from={record.pk}", values)

    assert (form.initial["CFLB"], form.initial["JDRQ"]) == (["罚款", "警告"], "2026-11-20")
    assert '<option value="身份证" selected>身份证</option>' in response.content.decode()
    assert saved["Location"] == f"/console/records/{record.pk}/"
    stored = Record.objects.get().fields
    assert (stored["CF_CFLB"], stored["CF_JDRQ"], stored["CF_BZ"]) == (
        "罚款；警告",
        "2026-11-20",
        "更正",
    )


def test_an_upstream_platforms_source_unit_stays_editable(
    clerk: User, department: Department
) -> None:
    with schema_context("wanzhou"):
        Department.objects.filter(pk=department.pk).update(is_upstream=True)

    page = signed_in(clerk).get("/console/records/new/").content.decode()

    assert "readonly" not in _input(page, "SJLYDM")
