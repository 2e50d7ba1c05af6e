"""A live server and a headless Chromium (Debian's, driven by Playwright) for browser tests.

The server runs in a thread with its own database connections, so browser tests work on committed
data: the session's baseline districts, plus whatever a test commits and removes itself.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.test.testcases import LiveServerThread
from playwright.sync_api import Browser, Page, expect, sync_playwright

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are still synchronous (Django and Playwright's documented setting for this).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP *.localhost 127.0.0.1",
]


def chromium_executable() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError(
        "Chromium is not installed: `python3 dev.py test` installs it (apt-get install chromium)"
    )


@pytest.fixture(scope="session")
def browser(django_db_setup: None) -> Iterator[Browser]:
    # After the test database exists: once Playwright's event loop runs in this thread, Django
    # hands out new connection objects, which must already see the test database's name.
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


@pytest.fixture
def server_port(django_db_setup: None, django_db_blocker: Any, settings: Any) -> Iterator[int]:
    """Serve the project on a free port for the duration of one test; yields the port."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    with django_db_blocker.unblock():
        thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        try:
            yield thread.port
        finally:
            thread.terminate()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def screenshot(page: Page, name: str) -> None:
    """Keep a screenshot for the docs when SAVE_SCREENSHOTS=1."""
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def purge_district(schema: str) -> None:
    """Remove a district a browser test onboarded (committed), with its files."""
    from core.common.actors import Actor
    from core.common.tenancy import use_public_schema
    from provisioning.services.lifecycle import district_purge, district_request_deletion
    from tenants.models import District

    use_public_schema()
    actor = Actor.system("e2e")
    district_request_deletion(
        district=District.objects.get(schema_name=schema), actor=actor, grace_days=0
    )
    district_purge(district=District.objects.get(schema_name=schema), actor=actor)


def operator_login(page: Page, port: int, email: str, password: str) -> str:
    """Sign in to the operator console (public schema) at localhost; return its base URL."""
    console = f"http://localhost:{port}/admin"
    page.goto(f"{console}/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(f"{console}/")
    return console


def console_login(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/console/login/")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def console_menu(page: Page, group: str, name: str) -> None:
    """Open a group of the console's menu (it opens on hover or focus) and follow one of its
    links."""
    page.get_by_role("button", name=group).hover()
    page.get_by_role("link", name=name).click()


def open_subject(page: Page, base: str, query: str, name: str) -> None:
    """Find a subject in the console by code or name and open it. The form POSTs: the results
    are on a token's page, whose URL carries nothing of the query."""
    page.goto(f"{base}/console/subjects/")
    page.get_by_label("统一社会信用代码、身份证号码或名称").fill(query)
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"/console/subjects/r/[A-Za-z]{32}/$"))
    page.get_by_role("link", name=name).click()


@contextmanager
def committed_districts(
    blocker: Any, media_root: str, admin_password: str, *requests: Any
) -> Iterator[dict[str, Any]]:
    """Onboard districts for real (committed: the live server must see them), keep their files
    under `media_root`, and yield each first admin (password set) by slug, with the database
    unblocked; purge the districts afterwards."""
    from django.conf import settings
    from django_tenants.utils import schema_context

    from core.accounts.services import login_link_redeem
    from core.common.actors import Actor
    from core.common.tenancy import use_public_schema
    from provisioning.services.onboarding import district_onboard

    media, settings.MEDIA_ROOT = settings.MEDIA_ROOT, media_root
    try:
        with blocker.unblock():
            admins = {}
            for request in requests:
                result = district_onboard(request=request, actor=Actor.system("e2e"))
                with schema_context(request.slug):
                    admins[request.slug] = login_link_redeem(
                        token=result.login_token or "", new_password=admin_password
                    )
                use_public_schema()
            yield admins
    finally:
        with blocker.unblock():
            for request in requests:
                purge_district(request.slug)
        settings.MEDIA_ROOT = media
