from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.audit.models import AuditEntry
from core.collection.models import UploadBatch
from core.scoring.models import SubjectScore
from core.stats.models import RecordCount
from exchange.enums import AgreementStatus
from exchange.models import Agreement
from exchange.scope import shareable_fields
from exchange.status import agreement_status
from tenants.models import District


@pytest.fixture(autouse=True)
def _without_the_test_districts(db: None) -> None:
    """The demo creates 万州 and 开州 itself; drop the test run's (inside this test's transaction)."""
    for district in District.objects.filter(schema_name__in=["wanzhou", "kaizhou"]):
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{district.schema_name}" CASCADE')
        district.delete()


@pytest.mark.django_db
def test_demo_setup_creates_the_operator_and_three_districts_and_prints_how_to_log_in(
    settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.DATA_DIR = str(tmp_path)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_setup", "--port", "8000", stdout=out)

    lines = out.getvalue().splitlines()
    password = (tmp_path / "demo-operator-password").read_text().strip()
    assert lines[0] == "运营管理后台：http://localhost:8000/admin/"
    assert lines[1] == f"  账号 operator@localhost  密码 {password}"
    assert lines[2] == "信用万州：http://wanzhou.localhost:8000/（示例记录219条）"
    assert lines[4] == "信用开州：http://kaizhou.localhost:8000/（示例记录219条）"
    assert lines[6] == "信用云阳：http://yunyang.localhost:8000/（示例记录219条）"
    assert lines[7].startswith(
        "  管理员 admin@yunyang.localhost 首次登录（设置密码）：http://yunyang.localhost:8000/console/first-login/"
    )
    assert lines[8].startswith("示例共享协议 #")
    assert lines[9] == "开发者沙箱（生成的测试数据，不计费）：http://sandbox.localhost:8000/"
    assert lines[10].startswith("示例银行（信用万州增值服务）接口密钥，仅显示一次：ck_")
    assert District.objects.get(kind="sandbox").domains.get().domain == "sandbox.localhost"
    assert set(District.objects.filter(kind="district").values_list("schema_name", flat=True)) == {
        "wanzhou",
        "kaizhou",
        "yunyang",
    }
    with schema_context("public"):
        assert User.objects.get(email="operator@localhost").check_password(password)
    client = Client(HTTP_HOST="localhost")
    assert client.login(username="operator@localhost", password=password)
    assert client.get("/admin/tenants/district/").status_code == 200
    with schema_context("wanzhou"):
        # The samples went through the real pipeline: every row stored, subjects scored.
        assert list(UploadBatch.objects.values_list("rejected", flat=True)) == [0, 0, 0]
        assert SubjectScore.objects.filter(is_current=True).count() == 120
        assert RecordCount.objects.aggregate(n=Sum("records"))["n"] == 219


@pytest.mark.django_db
def test_demo_setup_runs_again_without_changing_anything(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = str(tmp_path)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("demo_setup", stdout=StringIO())
    districts = District.objects.count()

    call_command("demo_setup", stdout=StringIO())

    assert District.objects.count() == districts


@pytest.mark.django_db
def test_demo_setup_starts_with_an_agreement_between_wanzhou_and_kaizhou(
    settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = str(tmp_path)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    out = StringIO()

    call_command("demo_setup", stdout=out)
    call_command("demo_setup", stdout=StringIO())

    [agreement] = Agreement.objects.all()
    assert (agreement.consumer.schema_name, agreement.provider.schema_name) == (
        "kaizhou",
        "wanzhou",
    )
    assert agreement_status(agreement, timezone.localdate()) == AgreementStatus.ACTIVE
    assert agreement.purposes == ["administration", "joint_discipline"]
    assert {i.item_code: i.fields for i in agreement.items.all()} == {
        "N03-01": list(shareable_fields("N03-01")),
        "N03-02": list(shareable_fields("N03-02")),
    }
    assert f"示例共享协议 #{agreement.pk}：开州区向万州区查询" in out.getvalue()
    with schema_context("wanzhou"):  # proposed and accepted through the services: audited
        actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"exchange.agreement_proposed", "exchange.agreement_accepted"} <= actions
