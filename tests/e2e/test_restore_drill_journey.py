"""A restore drill in the operator console, in a real browser (issue 22, point 5): 万州's archive
restored beside the live 万州区 is listed as a drill, and the add-price and add-contract pages offer
the live 万州区 once and no drill."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from core.accounts.models import User
from core.catalog.models import CatalogItem, CatalogSupply, Department
from core.common.actors import Actor
from core.common.tenancy import use_public_schema
from core.records.models import Record
from provisioning.services.backup import district_export, district_import
from tenants.enums import DistrictKind, DistrictStatus
from tenants.models import District
from tests.core.collection.conftest import TODAY, upload
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, penalty
from tests.e2e.conftest import operator_login, purge_district
from tests.support.clock import Clock

pytestmark = pytest.mark.e2e

OPS = Actor.system("e2e")
DRILL = "wanzhou_drill_e2e"
DRILL_DOMAIN = "wanzhou-drill-e2e.localhost"
DRILL_REGION = "500103"  # 万州's own code (500101) belongs to the live district
OPERATOR = "ops-drill@operator.test"
PASSWORD = "Operator-Pass-2026"


def test_a_drill_is_listed_as_one_and_not_offered_for_prices_or_contracts(
    clock: Clock,
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path: Path,
    settings: Any,
    server_port: int,
    page: Page,
) -> None:
    clock.default_to(TODAY)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    archive = tmp_path / "wanzhou.tar.gz"
    with django_db_blocker.unblock():
        _archive_wanzhou(archive)
        try:
            district_import(archive_path=archive, slug=DRILL, domain=DRILL_DOMAIN,
                            region_code=DRILL_REGION, actor=OPS)  # fmt: skip
            today = timezone.localdate()
            drill = District.objects.get(schema_name=DRILL)
            assert drill.restore_drill_on == today
            label = f"万州区（恢复演练 {today:%Y-%m-%d}）"
            with schema_context(DRILL):
                assert sorted(Record.objects.values_list("doc_number", flat=True)) == [
                    "万州市监罚〔2026〕1号", "万州市监罚〔2026〕2号"]  # fmt: skip
            use_public_schema()
            # The district list also shows districts earlier browser tests committed and purged.
            others = [d.name for d in District.objects.filter(kind=DistrictKind.DISTRICT)
                      .exclude(schema_name__in=["wanzhou", "kaizhou", DRILL])
                      .order_by("created_at", "id")]  # fmt: skip

            User.objects.create_superuser(OPERATOR, PASSWORD)
            console = operator_login(page, server_port, OPERATOR, PASSWORD)

            for form in ("billing/price/add/", "billing/contract/add/"):
                page.goto(f"{console}/{form}")
                options = page.locator("#id_district option").all_inner_texts()
                # What a price or contract may name: the live districts, never the drill (nor a
                # purged district).
                assert options == ["---------", "万州区", "开州区"], form

            # The district list: the real districts by name, the drill labelled as one.
            page.goto(f"{console}/tenants/district/")
            names = page.locator("#result_list tbody th").all_inner_texts()
            assert sorted(names) == sorted(["万州区", "开州区", *others, label])
            drill_row = page.locator("#result_list tbody tr", has_text=DRILL_DOMAIN)
            expect(drill_row.locator("th")).to_have_text(label)
        finally:
            if District.objects.filter(schema_name=DRILL).exists():
                purge_district(DRILL)
            _forget(DRILL, OPERATOR)


def _archive_wanzhou(out: Path) -> None:
    """What tests/provisioning/test_backup.py's `archived` fixture makes: 万州 with two penalties
    from an uploaded file (kept in storage with its results file), exported to `out`. That fixture
    needs a test transaction (`db`), which the live server cannot see past, so it is made here in
    a transaction rolled back once the archive is written: the archive holds the penalties, the
    committed 万州 other tests share is left as it was."""
    with transaction.atomic():
        with schema_context("wanzhou"):
            department = Department.objects.create(
                code=DEPARTMENT_CODE, name="重庆市万州区市场监督管理局"
            )
            CatalogSupply.objects.create(
                item=CatalogItem.objects.get(code="N03-02"), department=department
            )
            upload(department, as_csv([penalty(1), penalty(2)]))
        district_export(district=District.objects.get(schema_name="wanzhou"), out=out, actor=OPS)
        transaction.set_rollback(True)
    use_public_schema()


def _forget(schema: str, email: str) -> None:
    """The committed rows the purge leaves: the district's platform audit entries (append-only, so
    the trigger is off meanwhile: other tests look for the one `district.restore`), its purged row
    and the operator's account."""
    use_public_schema()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(
                "DELETE FROM public.tenants_platformauditentry WHERE district_schema = %s", [schema]
            )
        finally:
            cursor.execute("SET session_replication_role = origin")
        District.objects.filter(schema_name=schema, status=DistrictStatus.PURGED).delete()
        for table in ("accounts_loginlink", "django_admin_log"):
            cursor.execute(f"DELETE FROM public.{table} WHERE user_id IN "
                           "(SELECT id FROM public.accounts_user WHERE email = %s)", [email])  # fmt: skip
        cursor.execute("DELETE FROM public.accounts_user WHERE email = %s", [email])
