"""The operator adds a customer in the console in a real browser (issue 22): a unified social credit
code with a wrong check character is refused on the form, in Chinese, next to the code's field,
and nothing is created; corrected, the customer is created with it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from billing.models import Customer
from core.accounts.models import User
from core.common.tenancy import use_public_schema
from tests.core.collection.files import uscc
from tests.e2e.conftest import operator_login

pytestmark = pytest.mark.e2e

OPERATOR = "ops-customers@operator.test"
PASSWORD = "Operator-Pass-2026"
NAME = "重庆某消费金融股份有限公司"
WRONG = "91500000MA5U7XXX1B"  # the check character of 91500000MA5U7XXX1 is A
RIGHT = uscc(9177, head="91500000")


def test_a_customer_code_with_a_wrong_check_character_is_refused_then_corrected(
    django_db_setup: None, django_db_blocker: Any, server_port: int, page: Page
) -> None:
    with django_db_blocker.unblock():
        use_public_schema()
        User.objects.create_superuser(OPERATOR, PASSWORD)
        try:
            console = operator_login(page, server_port, OPERATOR, PASSWORD)

            page.goto(f"{console}/billing/customer/add/")
            page.locator("#id_name").fill(NAME)
            page.locator("#id_uscc").fill(WRONG)
            page.locator("#id_contact_email").fill("risk@consumer-finance.test")
            page.get_by_role("button", name="创建").click()

            # Refused: the page again, one error, on the code's row, the code kept to correct.
            expect(page).to_have_url(f"{console}/billing/customer/add/")
            expect(page.locator(".messagelist")).to_have_count(0)
            errors = page.locator(".errorlist")
            expect(errors).to_have_count(1)
            expect(errors).to_have_text("统一社会信用代码校验位错误：第18位应为“A”，实为“B”")
            row = page.locator(".form-row", has=errors)
            expect(row.locator("label")).to_have_text("统一社会信用代码:")
            code = page.get_by_label("统一社会信用代码")
            expect(code).to_have_value(WRONG)
            expect(code).to_have_attribute("aria-invalid", "true")
            expect(page.locator("#id_name")).to_have_value(NAME)
            assert not Customer.objects.filter(name=NAME).exists()
            assert not Customer.objects.filter(uscc=WRONG).exists()

            code.fill(RIGHT)
            page.get_by_role("button", name="创建").click()

            expect(page.locator(".messagelist")).to_have_text(f"已创建客户机构：{NAME}")
            customer = Customer.objects.get(name=NAME)
            assert (customer.uscc, customer.contact_email) == (
                RIGHT,
                "risk@consumer-finance.test",
            )
        finally:
            _remove(NAME, OPERATOR)


def _remove(name: str, email: str) -> None:
    """The committed customer with its platform audit entry (append-only, so the trigger is off
    meanwhile), and the operator's account."""
    use_public_schema()
    with connection.cursor() as cursor:
        ids = [str(pk) for pk in Customer.objects.filter(name=name).values_list("pk", flat=True)]
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(
                "DELETE FROM public.tenants_platformauditentry "
                "WHERE action = 'billing.customer_create' AND details->>'customer' = ANY(%s)",
                [ids],
            )
        finally:
            cursor.execute("SET session_replication_role = origin")
        Customer.objects.filter(name=name).delete()
        for table in ("accounts_loginlink", "django_admin_log"):
            cursor.execute(f"DELETE FROM public.{table} WHERE user_id IN "
                           "(SELECT id FROM public.accounts_user WHERE email = %s)", [email])  # fmt: skip
        cursor.execute("DELETE FROM public.accounts_user WHERE email = %s", [email])
