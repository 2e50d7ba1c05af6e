"""信用征集 in the console: a reviewer accepts a submission as a record."""

from __future__ import annotations

from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.catalog.models import Department
from core.records.models import Record
from tests.conftest import make_staff
from tests.core.collection.files import uscc
from tests.support.pages import signed_in


def test_a_reviewer_accepts_a_submission_from_the_console(department: Department) -> None:
    from core.collection.submissions import SubmissionForm, submission_create

    with schema_context("wanzhou"):
        submission = submission_create(
            form=SubmissionForm(
                "praise",
                "重庆市万州区第1建设有限公司",
                uscc(1),
                "连续五年按时足额纳税，积极参与公益。",
                "王五",
                "13800000000",
            ),
            client="x",
        )
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
    client = signed_in(reviewer)
    assert submission.receipt_no in client.get("/console/submissions/").content.decode()

    response = client.post(
        f"/console/submissions/{submission.pk}/",
        {"accept": "1", "department": department.pk, "LX": "守信激励", "WSH": "万州发改表〔2026〕9号",
         "NR": "纳税信用A级", "JDRQ": "2026-11-20", "note": "核实属实"},
    )  # fmt: skip

    record = Record.objects.get()
    assert response["Location"] == f"/console/records/{record.pk}/"
    assert (record.kind, record.submission_id, record.fields["JL_BZ"]) == (
        "red_list", submission.pk, f"来源：信用征集 {submission.receipt_no}",
    )  # fmt: skip


def test_accepting_a_complaint_asks_for_the_record_kind_and_shows_today(
    department: Department,
) -> None:
    from core.collection.submissions import SubmissionForm, submission_create

    with schema_context("wanzhou"):
        submission = submission_create(
            form=SubmissionForm("complaint", "重庆市万州区第2建设有限公司", uscc(2),
                                "二〇二六年十月起拖欠本工地农民工工资共计三个月。", "赵六", "13800000001"),
            client="x",
        )  # fmt: skip
    client = signed_in(make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER))

    page = client.get(f"/console/submissions/{submission.pk}/").content.decode()
    refused = client.post(
        f"/console/submissions/{submission.pk}/",
        {"accept": "1", "department": department.pk, "WSH": "万州发改〔2026〕3号",
         "NR": "拖欠农民工工资", "JDRQ": "2026-11-20"},
    )  # fmt: skip

    assert '<option value="" selected>请选择记录类别</option>' in page
    assert 'value="2026-11-27"' in page
    assert refused.context["accept"].errors["LX"] == ["这个字段是必填项。"]
    assert not Record.objects.exists()
