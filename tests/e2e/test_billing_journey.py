"""Issue 7's journey as a new user would try it: the operator, in the console in a real browser,
prices a district's basic report, signs a bank with a monthly cap of two reports, issues its key and
opens a login for its risk officer; the bank calls the district's GraphQL API over HTTP with a
lodged consent, is charged exactly once per report (a retry is free) and refused at the cap; at
month end the officer signs in and downloads a correct Chinese invoice."""

from __future__ import annotations

import base64
import io
import json
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from billing.models import Invoice, UsageEvent
from billing.money import month_start, next_month
from billing.services.invoicing import period_close
from core.accounts.models import User
from core.catalog.models import Department
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from provisioning.services.onboarding import OnboardingRequest
from tenants.models import District
from tests.billing.cleanup import billing_remove
from tests.billing.test_api import LODGE, PDF, PURCHASE
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, penalty, uscc
from tests.e2e.conftest import committed_districts, screenshot

pytestmark = pytest.mark.e2e
SHIZHU = OnboardingRequest(slug="shizhu", name="石柱县", platform_name="信用石柱", region_code="500240",
                           domain="shizhu.localhost", admin_email="admin@shizhu.test")  # fmt: skip
BANK = "重庆石柱某农村商业银行股份有限公司"
COMPANY = "石柱县第1建设有限公司"


def graphql(port: int, secret: str, query: str, variables: dict[str, Any]) -> Any:
    """The bank's own server calling the district's domain (Host header, real HTTP)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql/",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Host": SHIZHU.domain, "Content-Type": "application/json",
                 "Authorization": f"Bearer {secret}"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


def buy(port: int, secret: str, key: str, consent_id: int) -> Any:
    data = {"product": "BASIC_REPORT", "subjectCode": uscc(1), "purpose": "贷款审查",
            "idempotencyKey": key, "consentId": consent_id}  # fmt: skip
    return graphql(port, secret, PURCHASE, {"data": data})["reportPurchase"]


def test_a_bank_buys_reports_under_a_cap_and_gets_its_invoice(
    django_db_setup: None, django_db_blocker: Any, tmp_path: Path, server_port: int, page: Page
) -> None:
    with committed_districts(django_db_blocker, str(tmp_path), "Admin-Pass-2026", SHIZHU):
        district = District.objects.get(schema_name="shizhu")
        with schema_context("shizhu"):
            department = Department.objects.create(
                code=DEPARTMENT_CODE, name="石柱县市场监督管理局"
            )
            content = as_csv([penalty(1, XDR_MC=COMPANY, WSH="石柱市监罚〔2026〕1号")])
            batch = batch_create(actor=Actor.system("e2e"), department=department, filename="处罚.csv",
                                 content=io.BytesIO(content), size=len(content))  # fmt: skip
            batch_ingest(batch_id=batch.pk)
        User.objects.create_superuser("ops@operator.test", "Operator-Pass-2026")
        today = timezone.localdate()
        console = f"http://localhost:{server_port}/admin"
        try:
            # The operator signs in to the console.
            page.goto(f"{console}/login/")
            page.fill("#id_username", "ops@operator.test")
            page.fill("#id_password", "Operator-Pass-2026")
            page.locator("input[type=submit]").click()

            # Prices 石柱's basic report at 12 yuan a report from today.
            page.goto(f"{console}/billing/price/add/")
            page.locator("#id_district").select_option(label="石柱县")
            page.locator("#id_product").select_option(label="基础版信用报告")
            page.get_by_label("按次计价").check()
            page.locator("#id_valid_from").fill(f"{today:%Y-%m-%d}")
            page.locator("#id_unit_price").fill("12.00")
            page.get_by_role("button", name="保存新价格").click()
            expect(page.locator(".messagelist")).to_contain_text("基础版信用报告")

            # Registers the bank and signs a postpaid contract capped at two reports a month.
            page.goto(f"{console}/billing/customer/add/")
            page.locator("#id_name").fill(BANK)
            page.locator("#id_uscc").fill(uscc(77, head="91500240"))
            page.locator("#id_contact_email").fill("risk@shizhu-bank.test")
            page.get_by_role("button", name="创建").click()
            expect(page.locator(".messagelist")).to_contain_text(f"已创建客户机构：{BANK}")
            customer_page = page.url
            page.goto(f"{console}/billing/contract/add/")
            page.locator("#id_customer").select_option(label=BANK)
            page.locator("#id_district").select_option(label="石柱县")
            page.get_by_label("后付费（月度硬上限）").check()
            page.get_by_label("基础版信用报告").check()
            page.locator("#id_valid_from").fill(f"{today:%Y-%m-%d}")
            page.locator("#id_monthly_cap_units").fill("2")
            page.get_by_role("button", name="签订").click()
            expect(page.locator(".messagelist")).to_contain_text("合同")

            # Issues the bank's key: shown once.
            page.goto(f"{console}/billing/apikey/add/")
            page.locator("#id_customer").select_option(label=BANK)
            page.locator("#id_name").fill("信贷审批系统")
            page.get_by_label("基础版信用报告").check()
            page.get_by_label("石柱县").check()
            page.get_by_role("button", name="签发").click()
            secret = page.get_by_test_id("api-key-secret").inner_text()
            screenshot(page, "billing-key-issued")

            # Opens a login for the bank's risk officer: a one-time link.
            page.goto(customer_page)
            page.get_by_role("link", name="添加机构用户").click()
            page.locator("#id_email").fill("officer@shizhu-bank.test")
            page.locator("#id_full_name").fill("谭风控")
            page.get_by_role("button", name="开通").click()
            link = page.get_by_test_id("member-link").inner_text()

            # The bank lodges the company's signed consent and buys reports.
            consent = graphql(server_port, secret, LODGE, {"data": {
                "subjectCode": uscc(1), "purpose": "贷款审查", "scope": ["CREDIT_REPORT"],
                "validFrom": f"{today:%Y-%m-%d}", "validUntil": f"{today + timedelta(days=90):%Y-%m-%d}",
                "documentBase64": base64.b64encode(PDF).decode()}})["consentLodge"]  # fmt: skip
            first = buy(server_port, secret, "shizhu-loan-0001", consent["consentId"])
            retry = buy(server_port, secret, "shizhu-loan-0001", consent["consentId"])
            second = buy(server_port, secret, "shizhu-loan-0002", consent["consentId"])
            refused = buy(server_port, secret, "shizhu-loan-0003", consent["consentId"])

            assert consent["errors"] == []
            assert (first["errors"], first["charge"]) == ([], {
                "product": "basic_report", "units": 1, "amountYuan": "12.00", "replayed": False,
                "remainingUnits": 1})  # fmt: skip
            assert COMPANY in json.dumps(first["report"]["content"], ensure_ascii=False)
            assert (retry["charge"]["replayed"], retry["report"]["number"]) == (
                True, first["report"]["number"])  # fmt: skip
            assert second["charge"]["remainingUnits"] == 0
            assert refused["report"] is None
            assert refused["errors"] == [{
                "code": "QUOTA_EXCEEDED", "field": None, "retryAfter": None,
                "message": "已达本月调用上限：上限2次，已用2次，本次需1次；下月1日恢复，或请联系运营方调整合同"}]  # fmt: skip
            charged = UsageEvent.objects.filter(district=district).order_by("id")
            assert [str(e.amount_yuan) for e in charged] == ["12.00", "12.00"]

            # Month end: the period closes after its grace period (the daily beat task's service).
            period = month_start(today)
            [invoice] = period_close(period=period, actor=Actor.system("e2e"),
                                     today=next_month(period) + timedelta(days=3))  # fmt: skip

            # The officer sets a password by the link and downloads the invoice.
            officer = page.context.browser.new_context(locale="zh-CN")  # type: ignore[union-attr]
            bank_page = officer.new_page()
            bank_page.goto(link.replace("http://localhost/", f"http://localhost:{server_port}/"))
            bank_page.locator("#id_password1").fill("Officer-Pass-2026")
            bank_page.locator("#id_password2").fill("Officer-Pass-2026")
            bank_page.get_by_role("button", name="设置密码并登录").click()
            expect(bank_page.locator("body")).to_contain_text("石柱县")
            bank_page.goto(f"http://localhost:{server_port}/institution/invoices/")
            expect(bank_page.locator("body")).to_contain_text(invoice.number)
            screenshot(bank_page, "billing-institution-invoices")
            with bank_page.expect_download() as download:
                bank_page.locator(f'a[href="/institution/invoices/{invoice.number}/pdf/"]').click()
            pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
            text = "".join(p.extract_text() for p in pdf.pages).replace("\n", "")
            officer.close()

            assert Invoice.objects.filter(customer__name=BANK).count() == 1
            assert str(invoice.total_yuan) == "24.00"
            for expected in ("信用服务费用账单", f"{period:%Y年%m月}", BANK, "石柱县", "基础版信用报告",
                             "24.00", "增值税（税率6%）1.36元"):  # fmt: skip
                assert expected in text
        finally:
            billing_remove(district)
            _remove_users("ops@operator.test", "officer@shizhu-bank.test")


def _remove_users(*emails: str) -> None:
    """Committed operator-domain accounts (the ORM's cascade would look for district tables)."""
    with connection.cursor() as cursor:
        for table in ("accounts_loginlink", "django_admin_log"):
            cursor.execute(f"DELETE FROM public.{table} WHERE user_id IN "
                           "(SELECT id FROM public.accounts_user WHERE email = ANY(%s))", [list(emails)])  # fmt: skip
        cursor.execute("DELETE FROM public.accounts_user WHERE email = ANY(%s)", [list(emails)])
