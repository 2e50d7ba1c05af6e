"""Finding: no limit on login attempts. Forty wrong passwords, then the right one worked, at
/console/login/ (district staff), /admin/login/ (operator staff) and /institution/login/
(institution users). Against gunicorn with Redis (two workers share the counters), in two
districts of their own whose staff share an e-mail: five wrong passwords lock the account even for
the right one, in the district only; the page says why in Chinese; the admin's unlock works and
is audited; a forged X-Forwarded-For does not escape the address limit (ADR 0014)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from billing.models import Customer, CustomerMember
from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.audit.models import AuditEntry
from provisioning.services.onboarding import OnboardingRequest
from tenants.models import PlatformAuditEntry
from tests.e2e.conftest import committed_districts
from tests.security.conftest import Answer, Browser, ProductionServer
from tests.security.staff import signed_in

pytestmark = pytest.mark.usefixtures("flush_limits")

NANCHUAN = OnboardingRequest(slug="nanchuan", name="南川区", platform_name="信用南川",
                             region_code="500119", domain="nanchuan.localhost",
                             admin_email="admin@nanchuan.test")  # fmt: skip
TONGNAN = OnboardingRequest(slug="tongnan", name="潼南区", platform_name="信用潼南",
                            region_code="500152", domain="tongnan.localhost",
                            admin_email="admin@tongnan.test")  # fmt: skip
OPERATOR_HOST = "localhost"
PASSWORD = "Limits-Pass-2026"
CLERK = "clerk@limits.example"  # a clerk of each district: two accounts
OPERATOR = "ops@limits.example"
ROOT = "root@limits.example"
BANKER = "risk@limits-bank.example"
LOCKED_15 = "登录失败次数过多，账号已暂时锁定，请于15分钟后再试，或请管理员解锁。"
ADDRESS_LOCKED_15 = "本网络地址登录失败次数过多，请于15分钟后再试。"
WRONG = "邮箱或密码不正确，请重新输入。"


@dataclass
class Accounts:
    district_admin: User
    root: User
    banker: User


@pytest.fixture(scope="module")
def accounts(production: ProductionServer, django_db_blocker: Any) -> Iterator[Accounts]:
    """南川区 and 潼南区 with a clerk each under the same e-mail; an operator, a superuser and an
    institution user on the operator's domain. All committed, all removed afterwards."""
    with committed_districts(django_db_blocker, str(production.media), PASSWORD,
                             NANCHUAN, TONGNAN) as admins:  # fmt: skip
        try:
            for schema in ("nanchuan", "tongnan"):
                with schema_context(schema):
                    User.objects.create_user(CLERK, PASSWORD, role=StaffRole.DATA_CLERK.value)
            with schema_context("public"):
                User.objects.create_user(OPERATOR, PASSWORD, is_staff=True, is_superuser=True)
                root = User.objects.create_superuser(ROOT, PASSWORD)
                banker = User.objects.create_user(BANKER, PASSWORD, full_name="风控部")
                customer = Customer.objects.create(
                    name="某银行股份有限公司", uscc="91500000LIMITS0001", contact_email=BANKER,
                    webhook_secret="x" * 32,
                )  # fmt: skip
                CustomerMember.objects.create(user=banker, customer=customer)
            yield Accounts(district_admin=admins["nanchuan"], root=root, banker=banker)
        finally:
            _remove_operator_domain_accounts()


def _remove_operator_domain_accounts() -> None:
    """Raw SQL: the ORM's cascade would look for district tables from the public schema."""
    emails = [OPERATOR, ROOT, BANKER]
    users = "SELECT id FROM public.accounts_user WHERE email = ANY(%s)"
    with connection.cursor() as cursor:
        for table in ("billing_customermember", "accounts_loginlink", "django_admin_log"):
            cursor.execute(f"DELETE FROM public.{table} WHERE user_id IN ({users})", [emails])
        cursor.execute("DELETE FROM public.billing_customer WHERE uscc = '91500000LIMITS0001'")
        cursor.execute("DELETE FROM public.accounts_user WHERE email = ANY(%s)", [emails])


def log_in(visitor: Browser, path: str, email: str, password: str, **headers: str) -> Answer:
    token = visitor.csrf_from(path)
    form = {"csrfmiddlewaretoken": token, "username": email, "password": password}
    if path == "/admin/login/":
        form["next"] = "/admin/"  # as the page's hidden field
    return visitor.post(path, form=form, headers=headers)


def alerts(answer: Answer) -> list[str]:
    """The refusals a login page shows (the console's and the institution pages' alerts, the
    operator console's error notes)."""
    found = re.findall(r'role="alert">([^<]*)<', answer.text)
    found += [m.strip() for m in re.findall(r'<p class="errornote">([^<]*)</p>', answer.text)]
    return found


def fail(visitor: Browser, path: str, email: str, times: int, **headers: str) -> Answer:
    answer = None
    for _ in range(times):
        answer = log_in(visitor, path, email, "wrong-password-1", **headers)
    assert answer is not None
    return answer


def test_five_wrong_passwords_lock_a_district_account_in_its_district_only(
    production: ProductionServer, accounts: Accounts, django_db_blocker: Any
) -> None:
    visitor = production.visitor(NANCHUAN.domain)

    fourth = fail(visitor, "/console/login/", CLERK, 4)
    fifth = fail(visitor, "/console/login/", CLERK, 1)
    right = log_in(visitor, "/console/login/", CLERK, PASSWORD)
    elsewhere = log_in(production.visitor(TONGNAN.domain), "/console/login/", CLERK, PASSWORD)

    assert (fourth.status, alerts(fourth)) == (200, [WRONG])
    assert (fifth.status, alerts(fifth)) == (429, [LOCKED_15])
    assert (right.status, alerts(right)) == (429, [LOCKED_15])
    assert right.headers["Retry-After"] in {str(s) for s in range(880, 901)}
    assert "Account locked" not in right.text
    assert (elsewhere.status, elsewhere.headers["Location"]) == (302, "/console/")
    with django_db_blocker.unblock():
        for schema, expected in (("nanchuan", ["login.locked"]), ("tongnan", [])):
            with schema_context(schema):
                logged = AuditEntry.objects.filter(action__startswith="login.")
                assert [e.action for e in logged] == expected
        with schema_context("nanchuan"):
            details = AuditEntry.objects.get(action="login.locked").details
    assert {k: details[k] for k in ("scope", "email", "address", "failures", "minutes")} == {
        "scope": "account", "email": CLERK, "address": "127.0.0.1", "failures": 5, "minutes": 15,
    }  # fmt: skip


def test_a_district_admin_unlocks_a_staff_account_in_the_console(
    production: ProductionServer, accounts: Accounts, django_db_blocker: Any
) -> None:
    clerk = production.visitor(NANCHUAN.domain)
    fail(clerk, "/console/login/", CLERK, 5)
    with django_db_blocker.unblock():
        admin = signed_in(production, NANCHUAN.domain, "nanchuan", accounts.district_admin)

    token = admin.csrf_from("/console/staff/")
    listed = admin.get("/console/staff/")
    unlocked = admin.post("/console/staff/unlock/",
                          form={"csrfmiddlewaretoken": token, "email": CLERK})  # fmt: skip
    after = admin.get("/console/staff/")
    login = log_in(clerk, "/console/login/", CLERK, PASSWORD)

    assert 'data-testid="login-locked">已锁定至' in listed.text
    assert (unlocked.status, unlocked.headers["Location"]) == (302, "/console/staff/")
    assert re.findall(r'data-testid="notice">([^<]*)<', after.text) == [f"已解除{CLERK}的登录锁定"]
    assert (login.status, login.headers["Location"]) == (302, "/console/")
    with django_db_blocker.unblock(), schema_context("nanchuan"):
        entry = AuditEntry.objects.filter(action="login.unlocked").latest("id")
        assert (entry.actor_label, entry.details) == (
            NANCHUAN.admin_email, {"scope": "account", "email": CLERK, "was_locked": True},
        )  # fmt: skip


def test_the_operator_console_locks_and_another_operator_unlocks(
    production: ProductionServer, accounts: Accounts, django_db_blocker: Any
) -> None:
    visitor = production.visitor(OPERATOR_HOST)

    fifth = fail(visitor, "/admin/login/", OPERATOR, 5)
    right = log_in(visitor, "/admin/login/", OPERATOR, PASSWORD)
    with django_db_blocker.unblock():
        root = signed_in(production, OPERATOR_HOST, "public", accounts.root)
        operator_pk = User.objects.get(email=OPERATOR).pk
    token = root.csrf_from("/admin/accounts/user/")
    listed = root.get("/admin/accounts/user/")
    unlocked = root.post("/admin/accounts/user/", form={
        "csrfmiddlewaretoken": token, "action": "login_unlock", "index": "0",
        "_selected_action": str(operator_pk),
    })  # fmt: skip
    after = log_in(visitor, "/admin/login/", OPERATOR, PASSWORD)

    assert (fifth.status, alerts(fifth)) == (429, [LOCKED_15])
    assert (right.status, alerts(right)) == (429, [LOCKED_15])
    assert "锁定至" in listed.text
    assert unlocked.status == 302
    assert (after.status, after.headers["Location"]) == (302, "/admin/")
    with django_db_blocker.unblock():
        logged = PlatformAuditEntry.objects.filter(
            action__startswith="login.", details__email=OPERATOR
        ).order_by("id")
        assert [(e.action, e.actor_label) for e in logged] == [
            ("login.locked", "system:login-limit"), ("login.unlocked", ROOT),
        ]  # fmt: skip


def test_an_institution_user_is_locked_on_both_operator_pages_until_unlocked(
    production: ProductionServer, accounts: Accounts, django_db_blocker: Any
) -> None:
    visitor = production.visitor(OPERATOR_HOST)

    fifth = fail(visitor, "/institution/login/", BANKER, 5)
    right = log_in(visitor, "/institution/login/", BANKER, PASSWORD)
    on_admin = log_in(production.visitor(OPERATOR_HOST), "/admin/login/", BANKER, PASSWORD)
    with django_db_blocker.unblock():
        root = signed_in(production, OPERATOR_HOST, "public", accounts.root)
    token = root.csrf_from("/admin/accounts/user/")
    root.post("/admin/accounts/user/", form={
        "csrfmiddlewaretoken": token, "action": "login_unlock", "index": "0",
        "_selected_action": str(accounts.banker.pk),
    })  # fmt: skip
    after = log_in(visitor, "/institution/login/", BANKER, PASSWORD)

    assert (fifth.status, alerts(fifth)) == (429, [LOCKED_15])
    assert (right.status, alerts(right)) == (429, [LOCKED_15])
    assert (on_admin.status, alerts(on_admin)) == (429, [LOCKED_15])
    assert (after.status, after.headers["Location"]) == (302, "/institution/")
    assert visitor.get("/institution/").status == 200


def test_a_forged_forwarded_for_does_not_escape_the_address_limit(
    production: ProductionServer, accounts: Accounts
) -> None:
    visitor = production.visitor(TONGNAN.domain)
    for n in range(20):
        log_in(visitor, "/console/login/", f"guess{n}@limits.example", "wrong-password-1",
               **{"X-Forwarded-For": f"198.51.100.{n}"})  # fmt: skip

    right = log_in(
        visitor, "/console/login/", CLERK, PASSWORD, **{"X-Forwarded-For": "203.0.113.9"}
    )

    assert (right.status, alerts(right)) == (429, [ADDRESS_LOCKED_15])
