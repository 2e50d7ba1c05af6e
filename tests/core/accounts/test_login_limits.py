"""Login limits in process (core/accounts/lockout.py, ADR 0014): counters per account and per
address in each schema, locks that end when the page says, longer locks after each lock in a day,
unlocks by a district admin, the operator and the command line, each audited. The same against
gunicorn with Redis: tests/security/test_login_limits.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.login_limits import duration_text
from core.accounts.models import User
from core.audit.models import AuditEntry
from tenants.models import District, PlatformAuditEntry
from tests.conftest import KAIZHOU, OPERATOR_HOST, WANZHOU, client_for, make_staff
from tests.support.clock import Clock
from tests.support.servers import free_port

PASSWORD = "Staff-Pass-2026"
CLERK = "clerk@limits.test"
LOCKED_15 = "登录失败次数过多，账号已暂时锁定，请于15分钟后再试，或请管理员解锁。"
WRONG = "邮箱或密码不正确，请重新输入。"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Counters live in the process's cache: each test starts and leaves it empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clerk(wanzhou: District) -> User:
    return make_staff("wanzhou", CLERK, StaffRole.DATA_CLERK)


def alert(response: Any) -> str:
    found = re.findall(r'role="alert">([^<]*)<', response.content.decode())
    return " | ".join(found)


def console_login(client: Client, email: str, password: str, **extra: Any) -> Any:
    return client.post("/console/login/", {"username": email, "password": password}, **extra)


def fail(client: Client, times: int, email: str = CLERK, **extra: Any) -> Any:
    answer = None
    for _ in range(times):
        answer = console_login(client, email, "wrong-password-1", **extra)
    return answer


def signed_in(user: User) -> Client:
    client = client_for(WANZHOU.domain)
    with schema_context("wanzhou"):
        client.force_login(user)
    return client


def audit_actions(schema: str) -> list[tuple[str, dict[str, Any]]]:
    with schema_context(schema):
        entries = AuditEntry.objects.filter(action__startswith="login.").order_by("id")
        return [(e.action, e.details) for e in entries]


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(clerk: User) -> None:
    client = client_for(WANZHOU.domain)

    fourth = fail(client, 4)
    fifth = fail(client, 1)
    right = console_login(client, CLERK, PASSWORD)

    assert (fourth.status_code, alert(fourth)) == (200, WRONG)
    assert (fifth.status_code, alert(fifth)) == (429, LOCKED_15)
    assert (right.status_code, alert(right)) == (429, LOCKED_15)
    assert right["Retry-After"] in {"899", "900"}
    assert "_auth_user_id" not in client.session
    [(action, details)] = audit_actions("wanzhou")
    until = details.pop("until")
    assert (action, details) == ("login.locked", {
        "scope": "account", "email": CLERK, "address": "127.0.0.1", "failures": 5,
        "minutes": 15, "page": "/console/login/",
    })  # fmt: skip
    assert until.endswith("+08:00")


def test_the_lock_ends_when_the_page_said_and_the_right_password_works(
    clerk: User, clock: Clock
) -> None:
    clock.move_to(timezone.now())
    client = client_for(WANZHOU.domain)
    fail(client, 5)

    clock.shift(timedelta(minutes=14))
    still = console_login(client, CLERK, PASSWORD)
    clock.shift(timedelta(minutes=1, seconds=1))
    after = console_login(client, CLERK, PASSWORD)

    assert (still.status_code, alert(still)) == (
        429, "登录失败次数过多，账号已暂时锁定，请于1分钟后再试，或请管理员解锁。",
    )  # fmt: skip
    assert (after.status_code, after["Location"]) == (302, "/console/")


def test_attempts_during_a_lock_neither_count_nor_extend_it(clerk: User, clock: Clock) -> None:
    clock.move_to(timezone.now())
    client = client_for(WANZHOU.domain)
    fail(client, 5)

    clock.shift(timedelta(minutes=10))
    fail(client, 10)
    clock.shift(timedelta(minutes=5, seconds=1))
    after = console_login(client, CLERK, PASSWORD)

    assert after.status_code == 302
    assert [action for action, _ in audit_actions("wanzhou")] == ["login.locked"]


def test_each_further_lock_within_a_day_lasts_twice_as_long(clerk: User, clock: Clock) -> None:
    clock.move_to(timezone.now())
    client = client_for(WANZHOU.domain)
    fail(client, 5)
    clock.shift(timedelta(minutes=15, seconds=1))

    second = fail(client, 5)
    clock.shift(timedelta(minutes=30, seconds=1))
    third = fail(client, 5)

    assert alert(second) == "登录失败次数过多，账号已暂时锁定，请于30分钟后再试，或请管理员解锁。"
    assert alert(third) == "登录失败次数过多，账号已暂时锁定，请于1小时后再试，或请管理员解锁。"
    assert [d["minutes"] for _, d in audit_actions("wanzhou")] == [15, 30, 60]


def test_a_successful_login_forgets_the_failures_before_it(clerk: User) -> None:
    client = client_for(WANZHOU.domain)
    fail(client, 4)
    assert console_login(client, CLERK, PASSWORD).status_code == 302
    client.logout()

    after = fail(client, 4)

    assert (after.status_code, alert(after)) == (200, WRONG)


def test_an_email_in_capitals_counts_for_the_same_account(clerk: User) -> None:
    client = client_for(WANZHOU.domain)
    fail(client, 4, email="Clerk@Limits.TEST")

    fifth = fail(client, 1, email=" clerk@limits.test")

    assert (fifth.status_code, alert(fifth)) == (429, LOCKED_15)


def test_the_same_email_in_another_district_is_another_account(
    clerk: User, kaizhou: District
) -> None:
    make_staff("kaizhou", CLERK, StaffRole.DATA_CLERK)
    fail(client_for(WANZHOU.domain), 5)

    elsewhere = console_login(client_for(KAIZHOU.domain), CLERK, PASSWORD)

    assert (elsewhere.status_code, elsewhere["Location"]) == (302, "/console/")
    assert audit_actions("kaizhou") == []


def test_an_address_locks_after_twenty_failures_on_any_accounts(clerk: User) -> None:
    client = client_for(WANZHOU.domain)
    for n in range(19):
        console_login(client, f"guess{n}@limits.test", "wrong-password-1", REMOTE_ADDR="10.9.8.7")

    twentieth = console_login(client, "guess-last@limits.test", "x", REMOTE_ADDR="10.9.8.7")
    right = console_login(client, CLERK, PASSWORD, REMOTE_ADDR="10.9.8.7")
    elsewhere = console_login(client, CLERK, PASSWORD, REMOTE_ADDR="10.9.8.8")

    assert (twentieth.status_code, alert(twentieth)) == (
        429, "本网络地址登录失败次数过多，请于15分钟后再试。",
    )  # fmt: skip
    assert right.status_code == 429
    assert elsewhere.status_code == 302
    [(_, details)] = audit_actions("wanzhou")
    assert (details["scope"], details["address"], details["failures"]) == (
        "address", "10.9.8.7", 20,
    )  # fmt: skip


def test_a_forwarded_address_counts_only_behind_trusted_proxies(clerk: User, settings: Any) -> None:
    client = client_for(WANZHOU.domain)
    for n in range(20):  # a different X-Forwarded-For each time does not escape the address lock
        console_login(client, f"g{n}@limits.test", "x", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    direct = console_login(client, CLERK, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")
    settings.TRUSTED_PROXIES = 1

    proxied = console_login(client, CLERK, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert direct.status_code == 429
    assert proxied.status_code == 302


def test_a_district_admin_unlocks_a_staff_account(clerk: User) -> None:
    admin = make_staff("wanzhou", "chief@limits.test", StaffRole.DISTRICT_ADMIN)
    fail(client_for(WANZHOU.domain), 5)
    console = signed_in(admin)

    listed = console.get("/console/staff/")
    unlocked = console.post("/console/staff/unlock/", {"email": CLERK}, follow=True)
    login = console_login(client_for(WANZHOU.domain), CLERK, PASSWORD)

    assert 'data-testid="login-locked">已锁定至' in listed.content.decode()
    assert re.findall(r'data-testid="notice">([^<]*)<', unlocked.content.decode()) == [
        f"已解除{CLERK}的登录锁定"
    ]
    assert 'data-testid="login-locked"' not in unlocked.content.decode()
    assert login.status_code == 302
    assert audit_actions("wanzhou")[1] == (
        "login.unlocked", {"scope": "account", "email": CLERK, "was_locked": True},
    )  # fmt: skip
    with schema_context("wanzhou"):
        assert AuditEntry.objects.get(action="login.unlocked").actor_label == "chief@limits.test"


def test_only_a_district_admin_unlocks_and_only_the_district_s_staff(clerk: User) -> None:
    admin = make_staff("wanzhou", "chief@limits.test", StaffRole.DISTRICT_ADMIN)
    as_clerk = signed_in(clerk)
    as_admin = signed_in(admin)

    by_clerk = as_clerk.post("/console/staff/unlock/", {"email": CLERK})
    stranger = as_admin.post("/console/staff/unlock/", {"email": "nobody@limits.test"})

    assert (by_clerk.status_code, stranger.status_code) == (404, 404)
    assert audit_actions("wanzhou") == []


def test_the_operator_console_says_why_and_the_operator_unlocks(db: None) -> None:
    with schema_context("public"):
        bank = User.objects.create_user("risk@limits.test", PASSWORD, full_name="风控部")
        operator = User.objects.create_superuser("root@limits.test", "Root-Pass-2026")
    operator_client = client_for(OPERATOR_HOST)
    operator_client.force_login(operator)
    visitor = client_for(OPERATOR_HOST)
    for _ in range(5):
        visitor.post("/institution/login/", {"username": bank.email, "password": "wrong-pass"})

    institution = visitor.post(
        "/institution/login/", {"username": bank.email, "password": PASSWORD}
    )
    admin_page = visitor.post("/admin/login/", {"username": bank.email, "password": PASSWORD})
    listed = operator_client.get("/admin/accounts/user/")
    action = operator_client.post(
        "/admin/accounts/user/",
        {"action": "login_unlock", "_selected_action": [str(bank.pk)]},
        follow=True,
    )
    after = visitor.post("/institution/login/", {"username": bank.email, "password": PASSWORD})

    assert (institution.status_code, alert(institution)) == (429, LOCKED_15)
    assert admin_page.status_code == 429
    assert f'<p class="errornote">\n    {LOCKED_15}\n</p>' in admin_page.content.decode()
    assert "锁定至" in listed.content.decode()
    assert f"已解除登录锁定：{bank.email}" in action.content.decode()
    assert (after.status_code, after["Location"]) == (302, "/institution/")
    with schema_context("public"):
        entries = PlatformAuditEntry.objects.filter(action__startswith="login.").order_by("id")
        logged = [(e.action, e.actor_label, e.details.get("scope")) for e in entries]
    assert logged == [
        ("login.locked", "system:login-limit", "account"),
        ("login.unlocked", "root@limits.test", "account"),
    ]


def test_the_command_line_unlocks_an_address_in_a_district(clerk: User) -> None:
    client = client_for(WANZHOU.domain)
    for n in range(20):
        console_login(client, f"g{n}@limits.test", "x", REMOTE_ADDR="10.1.1.1")
    out = StringIO()

    call_command("login_unlock", "--district", "wanzhou", "--address", "10.1.1.1", stdout=out)
    after = console_login(client, CLERK, PASSWORD, REMOTE_ADDR="10.1.1.1")

    assert out.getvalue() == "已解除登录锁定\n"
    assert after.status_code == 302
    action, details = audit_actions("wanzhou")[-1]
    assert (action, details) == (
        "login.unlocked", {"scope": "address", "address": "10.1.1.1", "was_locked": True},
    )  # fmt: skip


def test_without_the_cache_signing_in_works_and_is_limited_in_the_process(
    clerk: User, settings: Any
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "core.common.rediscache.PooledRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        }
    }
    client = client_for(WANZHOU.domain)

    right = console_login(client, CLERK, PASSWORD, REMOTE_ADDR="10.2.2.2")
    client.logout()
    fifth = fail(client, 5, REMOTE_ADDR="10.2.2.2")

    assert (right.status_code, right["Location"]) == (302, "/console/")
    assert (fifth.status_code, alert(fifth)) == (429, LOCKED_15)


def test_durations_read_in_hours_and_minutes() -> None:
    assert [duration_text(m) for m in (1, 15, 60, 90, 240)] == [
        "1分钟", "15分钟", "1小时", "1小时30分钟", "4小时",
    ]  # fmt: skip
