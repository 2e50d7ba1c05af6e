"""What staff read in the console: enum values through their labels, actors as people read them."""

from __future__ import annotations

from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.catalog.actors import actor_name, actor_names
from core.catalog.models import Department
from core.publicity.models import PublicityRegime
from core.records.models import Record
from tests.conftest import make_staff
from tests.core.collection.files import penalty
from tests.support.pages import signed_in


def test_actors_read_as_people_and_jobs(clerk: User, department: Department) -> None:
    with schema_context("wanzhou"):
        User.objects.filter(pk=clerk.pk).update(full_name="张三")
        names = actor_names(
            ["clerk@wanzhou.test", "system:upload:clerk@wanzhou.test", "system:ingest",
             "cli:root", "api:11500101MB1234567X:dk_ab12", "api:ck_99", "public", "gone@x.test"]
        )  # fmt: skip

    assert names == {
        "clerk@wanzhou.test": "张三（数据录入员，重庆市万州区市场监督管理局）",
        "system:upload:clerk@wanzhou.test": "系统（上传处理）",
        "system:ingest": "系统（数据入库）",
        "cli:root": "命令行（root）",
        "api:11500101MB1234567X:dk_ab12": "接口（部门系统 dk_ab12）",
        "api:ck_99": "接口（调用密钥 ck_99）",
        "public": "公众（门户网站）",
        "gone@x.test": "gone@x.test",
    }


def test_a_staff_member_without_name_or_department_reads_as_email_and_role(wanzhou: object) -> None:
    make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)

    with schema_context("wanzhou"):
        assert actor_name("reviewer@wanzhou.test") == "reviewer@wanzhou.test（审核员）"


def test_a_record_page_names_its_regime_and_its_author(clerk: User, department: Department) -> None:
    with schema_context("wanzhou"):
        User.objects.filter(pk=clerk.pk).update(full_name="张三")
    client = signed_in(clerk)
    client.post("/console/records/new/", {"department": department.pk, **penalty(1)})
    with schema_context("wanzhou"):
        record = Record.objects.get()
        regime = record.regime_code
        name = PublicityRegime.objects.get(code=regime).name

    page = client.get(f"/console/records/{record.pk}/").content.decode()

    assert "张三（数据录入员，重庆市万州区市场监督管理局）" in page
    assert "clerk@wanzhou.test" not in page
    assert f"<dt>公示规则</dt><dd>{name}（一般）</dd>" in page


def test_the_audit_log_reads_as_sentences_filtered_by_subject_and_date(
    clerk: User, department: Department
) -> None:
    with schema_context("wanzhou"):
        User.objects.filter(pk=clerk.pk).update(full_name="张三")
    admin = signed_in(make_staff("wanzhou", "boss@wanzhou.test", StaffRole.DISTRICT_ADMIN))
    signed_in(clerk).post("/console/records/new/", {"department": department.pk, **penalty(1)})
    with schema_context("wanzhou"):
        record = Record.objects.get()
        name = record.subject.name

    page = admin.get("/console/audit/", {"subject": name, "area": "record"}).content.decode()
    other = admin.get("/console/audit/", {"subject": "没有这个主体"}).content.decode()
    later = admin.get("/console/audit/", {"start": "2026-11-28"}).content.decode()

    assert f"张三（数据录入员，重庆市万州区市场监督管理局）存储了记录 {record.doc_number}" in page
    assert "record.store" not in page
    assert "{" not in page.split("<main")[1]
    assert "没有符合条件的记录" in other
    assert "没有符合条件的记录" in later
    assert '<option value="upload">数据上传</option>' in page
