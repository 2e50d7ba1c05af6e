"""A penalty's field (行业领域) set by a clerk from the record's page: the window follows, a wrong
choice or a closed record is explained in Chinese, and staff of other departments do not see it."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.catalog.models import Department, StaffAssignment
from core.records.models import Record
from tests.conftest import make_staff
from tests.support.pages import signed_in


def test_a_clerk_sets_the_field_and_the_window_follows(clerk: User, record: Record) -> None:
    client = signed_in(clerk)
    detail = client.get(f"/console/records/{record.pk}/").content.decode()
    page = client.get(f"/console/records/{record.pk}/sector/")

    response = client.post(f"/console/records/{record.pk}/sector/", {"sector": "特种设备"})

    assert "一般领域（依处罚依据等推断）" in detail
    assert f'href="/console/records/{record.pk}/sector/"' in detail
    assert page.context["form"].initial == {"sector": "一般领域"}
    assert response["Location"] == f"/console/records/{record.pk}/"
    record.refresh_from_db()
    # Decided 2026-01-10, under the 2023 rules: a year for special equipment, not three months.
    assert (record.sector, record.sector_source) == ("special_equipment", "clerk")
    assert record.repair_from == date(2027, 1, 10)
    shown = client.get(f"/console/records/{record.pk}/").content.decode()
    assert "特种设备（工作人员指定）" in shown


def test_a_wrong_choice_and_a_closed_record_are_explained(clerk: User, record: Record) -> None:
    client = signed_in(clerk)

    wrong = client.post(f"/console/records/{record.pk}/sector/", {"sector": "医疗器械"})
    Record.objects.filter(pk=record.pk).update(repaired_at=timezone.now())
    shown = client.get(f"/console/records/{record.pk}/sector/").content.decode()
    refused = client.post(f"/console/records/{record.pk}/sector/", {"sector": "消防"})

    assert wrong.context["form"].errors["sector"] == ["“医疗器械”不是可选的行业领域"]
    assert "该记录已信用修复，公示已经结束，不因行业领域重新计算公示期限或恢复公示" in shown
    assert refused.context["form"].non_field_errors() == [
        "该记录已信用修复，公示已经结束，不因行业领域重新计算公示期限或恢复公示"
    ]
    assert Record.objects.get().sector == ""


def test_staff_of_another_department_do_not_see_it(record: Record, department: Department) -> None:
    other = Department.objects.create(code="11500101MB1234560X", name="重庆市万州区应急管理局")
    outsider = make_staff("wanzhou", "outsider@wanzhou.test", StaffRole.DATA_CLERK)
    StaffAssignment.objects.create(user=outsider, department=other)
    client = signed_in(outsider)

    detail = client.get(f"/console/records/{record.pk}/").content.decode()
    page = client.post(f"/console/records/{record.pk}/sector/", {"sector": "消防"})

    assert "/sector/" not in detail
    assert page.status_code == 404
    assert Record.objects.get().sector_source == "inferred"
