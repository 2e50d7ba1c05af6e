"""What people read is Chinese (issue 21): every page of the portal, the staff console (as each
role), the institution pages and the operator console, reached by following links from their
home pages over the demo districts' data, plus the credit report's PDF read back, carries no
Latin-script word outside a short allow-list (codes, file formats, API names, addresses).

A failure lists each page and the words found, so the fix is where the word comes from (a label,
an enum value shown raw, an English message), not this list."""

from __future__ import annotations

import io
import re
from collections import deque
from collections.abc import Iterator
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from pypdf import PdfReader

from core.accounts.enums import StaffRole
from core.accounts.models import User
from tenants.models import District

# Words a Chinese reader meets in Chinese government software, and identifiers shown as they are.
ALLOWED = {
    # file formats and encodings
    "PDF", "CSV", "XLSX", "XLS", "JSON", "XML", "PNG", "JPG", "JPEG", "PEM", "UTF", "GBK", "BOM",
    "Excel", "WPS", "Markdown",
    # units
    "KB", "MB", "GB",
    # interfaces and protocols
    "API", "GraphQL", "URL", "HTTP", "HTTPS", "http", "https", "SHA", "HMAC", "SDK", "ICP", "ID",
    # credit grades (A级 … D级), shown alone in tables
    "A", "B", "C", "D", "AA", "AAA",
}  # fmt: skip
# Identifiers and addresses: codes (统一社会信用代码, field codes like CF_WSH, document keys),
# e-mail addresses, host names and URLs, masked numbers.
IDENTIFIER = re.compile(
    r"[\w.+-]+@[\w.-]+"  # e-mail
    r"|https?://\S+"  # URL
    r"|\b[\w-]+(?:\.[\w-]+)*\.localhost\b|\blocalhost\b"  # demo hosts
    r"|\b(?=[0-9A-Z]*\d)[0-9A-Z]{8,}\b"  # codes with digits: USCCs, registration numbers
    r"|\b[A-Z]{2,}_[A-Z0-9_]+\b"  # field and column codes (CF_WSH, XK_XDR_LB, ACTION_DATE)
    r"|\.[A-Za-z0-9]{2,5}\b"  # file extensions in file names (处罚.csv)
    r"|\b(?:ck|dk|pk)_[\w-]+"  # key prefixes shown to their owners
    r"|\b[A-Z]{2}-\d[\w-]*"  # receipt and report numbers (YY-2026…, XF-…, BG-…)
)
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|\b[A-Za-z]\b")
SKIP = ("/logout/", "/console/logout/", "/institution/logout/", "/admin/logout/", "/files/")
MAX_PAGES = 250  # per role: the demo's links reach every kind of page well before this


class _Text(HTMLParser):
    """A page's text as a reader meets it: text nodes and the attributes shown or read aloud."""

    SHOWN = ("title", "placeholder", "aria-label", "alt")
    # Literal values a reader types or finds in a file (field codes, column values) are set in
    # <code>: they are what they are, in any script.
    LITERAL = ("script", "style", "template", "code", "kbd", "samp")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.LITERAL:
            self._hidden += 1
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        for name in self.SHOWN:
            # Django admin's yes/no icons say alt="True"/"False" whatever the language.
            if values.get(name) and not (name == "alt" and values[name] in ("True", "False")):
                self.parts.append(values[name] or "")
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.LITERAL and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def latin_words(text: str) -> set[str]:
    cleaned = IDENTIFIER.sub(" ", text)
    return {w for w in LATIN_WORD.findall(cleaned) if w not in ALLOWED}


def crawl(client: Client, host: str, starts: list[str]) -> Iterator[tuple[str, str, list[str]]]:
    """(path, content type, text parts) of every page reached from `starts` on `host`."""
    seen: set[str] = set()
    queue = deque(starts)
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen or any(s in path for s in SKIP):
            continue
        seen.add(path)
        response = client.get(path, HTTP_HOST=host)
        if response.status_code != 200:
            continue
        kind = response.get("Content-Type", "")
        if "html" not in kind:
            yield path, kind, []
            continue
        parser = _Text()
        parser.feed(response.content.decode())
        yield path, kind, parser.parts
        for href in parser.links:
            target = urlsplit(urljoin(f"http://{host}{path}", href))
            # Paths only: a list's sorting, filtering and paging show the same words again.
            if target.hostname == host.split(":")[0] and target.path:
                queue.append(target.path)


@pytest.fixture
def demo(db: None, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any) -> None:
    """The demo's operator and districts, as `python3 dev.py demo` creates them."""
    for district in District.objects.filter(schema_name__in=["wanzhou", "kaizhou"]):
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{district.schema_name}" CASCADE')
        district.delete()
    settings.DATA_DIR = str(tmp_path)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_setup", "--port", "8000", stdout=StringIO())


def _staff(role: StaffRole) -> User:
    with schema_context("wanzhou"):
        from core.catalog.models import Department, StaffAssignment

        user = User.objects.create_user(
            f"{role.value}@wanzhou.test", "Staff-Pass-2026", role=role.value
        )
        if role == StaffRole.DATA_CLERK:
            StaffAssignment.objects.create(user=user, department=Department.objects.earliest("pk"))
        return user


def _staff_named(role: StaffRole) -> User:
    with schema_context("wanzhou"):
        return User.objects.get(email=f"{role.value}@wanzhou.test")


def _report(window: User) -> Any:
    """A report on a demo company, issued at the window."""
    from core.reports.services import ReportSite, Requester, report_issue
    from core.subjects.models import Subject

    with schema_context("wanzhou"):
        company = Subject.objects.filter(records__kind="penalty").order_by("pk").first()
        assert company is not None
        assert company.uscc
        return report_issue(
            subject=company,
            requester=Requester("self", "法定代表人", company.uscc),
            purpose="自查",
            handled_by=window,
            site=ReportSite("信用万州", "https://wanzhou.localhost/reports/verify/"),
        )


def test_every_page_reads_in_chinese(demo: None) -> None:
    found: dict[str, set[str]] = {}
    visited = 0

    def check(who: str, client: Client, host: str, starts: list[str]) -> None:
        nonlocal visited
        for path, _kind, parts in crawl(client, host, starts):
            visited += 1
            words = latin_words("\n".join(parts))
            if words:
                found[f"{who} {host}{path}"] = words

    check("公众", Client(), "wanzhou.localhost", ["/"])
    for role in StaffRole:
        user = _staff(role)
        client = Client(HTTP_HOST="wanzhou.localhost")
        with schema_context("wanzhou"):
            client.force_login(user)
        check(role.label, client, "wanzhou.localhost", ["/console/"])
    operator = Client(HTTP_HOST="localhost")
    with schema_context("public"):
        operator.force_login(User.objects.get(email="operator@localhost"))
    check("运营方", operator, "localhost", ["/admin/"])
    bank = Client(HTTP_HOST="localhost")
    with schema_context("public"):
        from billing.models import Customer, CustomerMember

        member = User.objects.create_user("bank@example.test", "Bank-Pass-2026")
        CustomerMember.objects.create(user=member, customer=Customer.objects.get())
        bank.force_login(member)
    check("机构用户", bank, "localhost", ["/institution/"])
    # The developer portal: the API reference (public) and a district's GraphiQL page.
    check("开发者", Client(), "localhost", ["/developers/"])
    check("开发者", Client(), "wanzhou.localhost", ["/developers/graphiql/"])
    check("开发者", Client(), "sandbox.localhost", ["/", "/developers/graphiql/"])

    # The credit report: its console page and its PDF, read back.
    report = _report(_staff_named(StaffRole.WINDOW_CLERK))
    window = Client(HTTP_HOST="wanzhou.localhost")
    with schema_context("wanzhou"):
        window.force_login(_staff_named(StaffRole.WINDOW_CLERK))
    check("征信窗口办事员", window, "wanzhou.localhost", [f"/console/reports/{report.pk}/"])
    with schema_context("wanzhou"), default_storage.open(report.stored_pdf, "rb") as handle:
        pages = PdfReader(io.BytesIO(handle.read())).pages
    if words := latin_words("\n".join(page.extract_text() for page in pages)):
        found[f"信用报告PDF {report.number}"] = words

    assert visited > 100
    assert not found, "\n".join(
        f"{page}: {' '.join(sorted(words))}" for page, words in sorted(found.items())
    )
