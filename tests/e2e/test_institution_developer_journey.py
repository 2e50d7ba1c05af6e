"""Issue 24's "done when", in a real browser: a bank's developer signs in, reads the reference,
issues a sandbox key and tries it in the sandbox's GraphiQL (not charged), issues a live key; the
bank submits a 5,000-row portfolio file and downloads per-row results; subscribes the portfolio to
monitoring with a webhook; a penalty withdrawn in the district reaches its local receiver signed,
once; and the month's invoice reconciles line by line with the per-call usage export.

The district is 黔江区 (`qianjiang`, onboarded for this test): the baseline 万州 is shared by the
whole run and must not keep this test's committed records."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import random
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from billing.enums import BillingMode, PricingModel, ProductCode
from billing.models import CustomerMember, UsageEvent
from billing.money import month_start, next_month
from billing.services.catalogue import ContractTerms, contract_create, customer_create, price_set
from billing.services.invoicing import period_close
from billing.services.keys import key_limits_set
from billing.tasks import webhooks_fan_out_task, webhooks_retry_task
from core.accounts.models import User
from core.catalog.models import Department
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from core.common.tenancy import use_public_schema
from core.records.models import Record
from provisioning.services.onboarding import OnboardingRequest
from provisioning.services.sandbox import sandbox_ensure
from tenants.enums import DistrictKind
from tenants.models import District, Domain
from tests.billing.cleanup import billing_remove
from tests.core.collection.files import as_csv, penalty, uscc
from tests.e2e.conftest import committed_districts, console_login, screenshot
from tests.e2e.test_billing_journey import _remove_users
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.e2e
QIANJIANG = OnboardingRequest(slug="qianjiang", name="黔江区", platform_name="信用黔江", region_code="500114",
                              domain="qianjiang.localhost", admin_email="admin@qianjiang.test")  # fmt: skip
HEAD = "91500114"
AUTHORITY = uscc(7654321, head="11500114")
BANK = "重庆黔江某商业银行股份有限公司"
OFFICER = "dev@qianjiang-bank.test"
PASSWORD = "Officer-Pass-2026"
SANDBOX = "sandbox.localhost"
COMPANIES = 40
ROWS = 5_000
GOOD = uscc(99_999, head=HEAD)
BAD_CHECK = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")  # a typo in the check character
ACCOUNT = "{ billingAccount { customer contract usedUnits usedYuan } }"


def portfolio() -> bytes:
    """The bank's portfolio as its systems export it: a header, 40 borrowers the district holds,
    4,950 valid codes it does not, 5 repeated borrowers and 5 unreadable cells (UTF-8 with BOM)."""
    known = [uscc(n, head=HEAD) for n in range(1, COMPANIES + 1)]
    unknown = [uscc(n, head=HEAD) for n in range(100_000, 100_000 + ROWS - COMPANIES - 10)]
    rows = known + unknown + known[:5] + ["91500114ABC", "无", "—", BAD_CHECK, "123"]
    random.Random(24).shuffle(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["统一社会信用代码"])
    writer.writerows([code] for code in rows)
    return out.getvalue().encode("utf-8-sig")


def csv_rows(raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def download(page: Page, link: str) -> bytes:
    with page.expect_download() as done:
        page.locator(f'a[href="{link}"]').first.click()
    return Path(done.value.path()).read_bytes()


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/institution/login/")
    page.get_by_label("电子邮箱").fill(OFFICER)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_contain_text(BANK)


def submit_job(page: Page, base: str, contract: str, product: str, file: Path) -> None:
    page.goto(f"{base}/institution/jobs/")
    page.get_by_label("合同").select_option(label=contract)
    page.get_by_label("产品").select_option(label=product)
    page.get_by_label("查询用途").fill("存量客户贷后管理")
    page.get_by_label("代码文件").set_input_files(str(file))
    page.get_by_role("button", name="提交").click()


def test_a_banks_developer_integrates_and_the_bank_reconciles(
    django_db_setup: None, django_db_blocker: Any, tmp_path: Path, server_port: int, page: Page,
    settings: Any,
) -> None:  # fmt: skip
    receiver = WebhookReceiver().start()
    receiver.allow(settings)
    with committed_districts(
        django_db_blocker, str(tmp_path), "Admin-Pass-2026", QIANJIANG
    ) as admins:
        ops = Actor.system("e2e")
        district = District.objects.get(schema_name="qianjiang")
        with schema_context("qianjiang"):
            department = Department.objects.create(
                code=AUTHORITY, name="重庆市黔江区市场监督管理局"
            )
            content = as_csv([penalty(n, XDR_MC=f"重庆市黔江区第{n}商贸有限公司", XDR_SHXYM=uscc(n, head=HEAD),
                                      WSH=f"黔江市监罚〔2026〕{n}号", CFJG=department.name, CFJGDM=AUTHORITY,
                                      SJLY=department.name, SJLYDM=AUTHORITY)
                              for n in range(1, COMPANIES + 1)])  # fmt: skip
            batch = batch_create(actor=ops, department=department, filename="处罚.csv",
                                 content=io.BytesIO(content), size=len(content))  # fmt: skip
            batch_ingest(batch_id=batch.pk)
            assert Record.objects.count() == COMPANIES
        use_public_schema()
        today = timezone.localdate()
        sandbox_existed = District.objects.filter(kind=DistrictKind.SANDBOX).exists()
        sandbox = sandbox_ensure(domain=SANDBOX, actor=ops)
        for product, price in ((ProductCode.BATCH_QUERY, "2.00"), (ProductCode.MONITORING, "30.00"),
                               (ProductCode.SCORE_QUERY, "5.00")):  # fmt: skip
            price_set(actor=ops, district=district, product=product, model=PricingModel.PER_UNIT,
                      valid_from=month_start(today), unit_price=price)  # fmt: skip
        bank = customer_create(actor=ops, name=BANK, uscc=uscc(88, head="91500114"),
                               contact_email="risk@qianjiang-bank.test")  # fmt: skip
        contract = contract_create(actor=ops, customer=bank, district=district, terms=ContractTerms(
            mode=BillingMode.POSTPAID, products=[p.value for p in ProductCode],
            valid_from=month_start(today), monthly_cap_units=20_000))  # fmt: skip
        key_limits_set(actor=ops, customer=bank, max_keys=3, rate_ceiling=600)
        officer = User.objects.create_user(OFFICER, PASSWORD, full_name="黔江银行开发者")
        CustomerMember.objects.create(user=officer, customer=bank)
        base = f"http://localhost:{server_port}"
        label = f"黔江区 · {contract.number}"
        try:
            # The developer signs in and reads the reference: the sandbox comes first.
            sign_in(page, base)
            page.goto(f"{base}/developers/")
            expect(page.locator("h1")).to_have_text("接口参考")
            expect(page.locator("#sandbox + p")).to_contain_text("不计费")
            expect(page.locator("body")).to_contain_text(f"http://{SANDBOX}:{server_port}/graphql/")

            # Issues a sandbox key at 接口密钥 → 沙箱密钥.
            page.goto(f"{base}/institution/keys/")
            page.locator("#id_sandbox-name").fill("信贷系统联调")
            page.get_by_role("button", name="签发沙箱密钥").click()
            test_secret = page.get_by_test_id("secret").inner_text()
            assert test_secret.startswith("ck_test_")
            expect(page.locator("body")).to_contain_text("这是沙箱密钥")

            # Tries it in the sandbox's GraphiQL: the docs load with the key (no re-fetch click),
            # the account query answers from the sandbox contract, free.
            page.add_init_script(
                f"window.localStorage.setItem('graphiql:query', {json.dumps(ACCOUNT)});"
            )
            page.goto(f"http://{SANDBOX}:{server_port}/developers/graphiql/")
            page.locator("#credit-key").fill(test_secret)
            expect(page.locator("#credit-key-status")).to_have_text("已按当前密钥加载接口文档。")
            page.locator(".graphiql-execute-button").click()
            result = page.locator(".result-window")
            expect(result).to_contain_text("沙箱-")
            expect(result).to_contain_text('"usedYuan": "0.00"')
            screenshot(page, "developer-sandbox-graphiql")

            # Creates a live key for 黔江区 within the operator's limits.
            page.goto(f"{base}/institution/keys/")
            form = page.get_by_test_id("key-form")
            form.get_by_label("名称").fill("贷后管理系统")
            form.get_by_label("黔江区").check()
            for name in ("批量评分查询", "信用监测订阅", "信用评分查询"):
                form.get_by_label(name).check()
            form.get_by_role("button", name="签发").click()
            live_secret = page.get_by_test_id("secret").inner_text()
            assert live_secret.startswith("ck_")
            assert not live_secret.startswith("ck_test_")

            # The bank submits its 5,000-row portfolio for scores and downloads per-row results.
            file = tmp_path / "存量客户.csv"
            file.write_bytes(portfolio())
            submit_job(page, base, label, "信用评分（批量评分查询）", file)
            jobs = page.get_by_test_id("jobs")
            expect(jobs.locator("tbody tr").first).to_contain_text("已完成", timeout=60_000)
            expect(jobs.locator("tbody tr").first).to_contain_text(f"{ROWS} / {ROWS}")
            score_job = jobs.locator("tbody tr").first.locator("td").first.inner_text()
            results = csv_rows(download(page, f"/institution/jobs/{score_job}/results.csv"))
            statuses = Counter(row["状态"] for row in results)
            assert len(results) == ROWS
            assert statuses == {
                "已查得": COMPANIES,
                "未查得": ROWS - COMPANIES - 10,
                "重复": 5,
                "代码无效": 5,
            }
            assert all(row["信用评分"] for row in results if row["状态"] == "已查得")
            invalid = next(row for row in results if row["代码"] == BAD_CHECK)
            assert "校验" in invalid["说明"]
            screenshot(page, "developer-bulk-job")

            # Subscribes the portfolio to monitoring, with a webhook for the changes.
            page.goto(f"{base}/institution/webhooks/")
            page.get_by_label("合同").select_option(label=label)
            page.get_by_label("回调地址").fill(receiver.url)
            page.get_by_role("button", name="添加").click()
            hook_secret = page.get_by_test_id("secret").inner_text()
            submit_job(page, base, label, "信用监测订阅", file)
            expect(page.get_by_test_id("jobs").locator("tbody tr").first).to_contain_text(
                "已完成", timeout=60_000
            )

            # A penalty is withdrawn in 黔江 by its administrator, in the console.
            district_page = page.context.browser.new_context(locale="zh-CN").new_page()  # type: ignore[union-attr]
            district_base = f"http://{QIANJIANG.domain}:{server_port}"
            console_login(
                district_page, district_base, admins["qianjiang"].email, "Admin-Pass-2026"
            )
            with schema_context("qianjiang"):
                withdrawn = Record.objects.get(doc_number="黔江市监罚〔2026〕7号")
            district_page.goto(f"{district_base}/console/records/{withdrawn.pk}/")
            district_page.get_by_label("撤回原因").fill("行政复议决定撤销原处罚决定")
            district_page.get_by_label("撤销或变更决定日期").fill(f"{today:%Y-%m-%d}")
            district_page.get_by_role("button", name="撤回").click()
            expect(district_page.locator("body")).to_contain_text("行政复议决定撤销原处罚决定")
            district_page.context.close()

            # The workers fan out and deliver, twice over: the receiver gets the withdrawal once.
            use_public_schema()
            for _ in range(2):
                webhooks_fan_out_task()
                webhooks_retry_task()
            posted = [json.loads(r.raw) for r in receiver.requests]
            withdrawals = [body for body in posted if body["type"] == "monitoring.withdrawn"]
            assert len(withdrawals) == 1
            [request] = [
                r for r in receiver.requests if json.loads(r.raw)["type"] == "monitoring.withdrawn"
            ]
            timestamp, signature = request.headers["X-Credit-Signature"].split(",")
            expected = hmac.new(hook_secret.encode(), f"{timestamp.removeprefix('t=')}.".encode() + request.raw,
                                hashlib.sha256).hexdigest()  # fmt: skip
            assert hmac.compare_digest(signature.removeprefix("v1="), expected)
            assert withdrawals[0]["event"]["docNumber"] == "黔江市监罚〔2026〕7号"
            assert withdrawals[0]["event"]["subjectCode"] == uscc(7, head=HEAD)
            assert request.headers["X-Credit-Event-Id"] == withdrawals[0]["id"]
            assert [body["type"] for body in posted].count(
                "job.completed"
            ) == 1  # the monitoring job

            # Month end: the invoice, and the usage export it must reconcile with line by line.
            period = month_start(today)
            [invoice] = period_close(
                period=period, actor=ops, today=next_month(period) + timedelta(days=3)
            )
            assert invoice.contract_id == contract.pk  # the sandbox contract is never invoiced
            page.goto(f"{base}/institution/usage/?month={period:%Y-%m}")
            calls = csv_rows(
                download(page, f"/institution/usage/export/?month={period:%Y-%m}&product=")
            )
            assert len(calls) == COMPANIES * 2  # 40 scores and 40 enrolments; no sandbox call
            sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
            for row in calls:
                assert row["账单编号"] == invoice.number
                line = invoice.lines[int(row["账单行"]) - 1]
                assert line["product"] == row["产品"]
                sums[row["账单行"]][0] += int(row["数量"])
                sums[row["账单行"]][1] += Decimal(row["金额（元，含税）"])
            assert {n: (int(u), str(a)) for n, (u, a) in sums.items()} == {
                str(i): (line["units"], line["amount_yuan"])
                for i, line in enumerate(invoice.lines, 1)
            }
            assert invoice.total_yuan == Decimal("1280.00")  # 40 × 2.00 + 40 × 30.00
            assert not UsageEvent.objects.filter(district=sandbox).exclude(amount_yuan=0).exists()
        finally:
            receiver.stop()
            use_public_schema()
            billing_remove(district, sandbox)
            _remove_users(OFFICER)
            if not sandbox_existed:
                _sandbox_remove()


def _sandbox_remove() -> None:
    with connection.cursor() as cursor:
        cursor.execute('DROP SCHEMA IF EXISTS "sandbox" CASCADE')
    Domain.objects.filter(tenant__kind=DistrictKind.SANDBOX).delete()
    District.objects.filter(kind=DistrictKind.SANDBOX).delete()
