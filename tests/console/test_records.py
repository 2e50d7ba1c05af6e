"""A record's page and the entry form: manual entry validated like an upload, withdrawal,
correction with its history, and who sees the identity number being corrected."""

from __future__ import annotations

from decimal import Decimal

from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.catalog.models import Department, StaffAssignment
from core.records.models import Record
from tests.conftest import make_staff
from tests.core.collection.files import penalty, uscc
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
