"""Finding: 信用征集 attachments were stored before the rate limit. A client over its hourly limit
was refused, but its attachment had been kept already; and the render token that tells a person
from a bot could be sent again and again. Now the limit counts first, every field and the
attachment are checked next, the token is spent (once), and only then is the attachment stored
(core/collection/submissions.py). Against gunicorn with Redis: over the limit, no new file under
the server's media folder; a replayed form is refused; a person's submission still works."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_context

from core.collection.models import Submission
from core.collection.submissions import MIN_FILL_SECONDS
from provisioning.services.onboarding import OnboardingRequest
from tests.core.collection.files import uscc
from tests.e2e.conftest import committed_districts
from tests.security.conftest import Answer, Browser, ProductionServer
from tests.support.forms import multipart

pytestmark = pytest.mark.usefixtures("flush_limits")

YOUYANG = OnboardingRequest(slug="youyang", name="酉阳县", platform_name="信用酉阳",
                            region_code="500242", domain="youyang.localhost",
                            admin_email="admin@youyang.test")  # fmt: skip
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
RATE_LIMITED = "提交过于频繁，请一小时后再试"
REPLAYED = "该表单已提交过，请勿重复提交；如需再次提交，请刷新页面后重新填写"


@pytest.fixture(scope="module")
def portal(production: ProductionServer, django_db_blocker: Any) -> Iterator[ProductionServer]:
    """酉阳县, committed for the server and purged (with the files it kept) afterwards."""
    with committed_districts(django_db_blocker, str(production.media), "Youyang-Admin-2026",
                             YOUYANG):  # fmt: skip
        yield production


def rendered_form(visitor: Browser) -> tuple[str, str]:
    """The CSRF token and the render token of a freshly rendered 信用征集 form."""
    page = visitor.get("/submissions/new/").text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    rendered = re.search(r'name="rendered" value="([^"]+)"', page)
    assert csrf is not None, page[:500]
    assert rendered is not None, page[:500]
    return csrf.group(1), rendered.group(1)


def send(visitor: Browser, csrf: str, rendered: str) -> Answer:
    fields = {"csrfmiddlewaretoken": csrf, "kind": "praise", "subject_name": "酉阳县第1建设有限公司",
              "subject_code": uscc(1), "content": "该公司连续五年按时足额缴纳税款，积极参与公益。",
              "contact_name": "王五", "contact_phone": "13800000000", "website": "",
              "rendered": rendered}  # fmt: skip
    body, kind = multipart(
        fields, "证明.pdf", PDF, field="attachment", content_type="application/pdf"
    )
    return visitor.post("/submissions/new/", data=body, headers={"Content-Type": kind})


def receipt(page: Answer) -> str | None:
    found = re.search(r'<strong data-testid="receipt">(ZJ[0-9A-Z-]+)</strong>', page.text)
    return found.group(1) if found else None


def errors_on(page: Answer) -> list[str]:
    return re.findall(r'<p class="error" role="alert">([^<]*)</p>', page.text)


def kept(production: ProductionServer) -> list[Path]:
    folder = production.media / YOUYANG.slug / "submissions"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def submissions() -> int:
    with schema_context(YOUYANG.slug):
        return Submission.objects.count()


def test_over_the_limit_no_attachment_is_kept(portal: ProductionServer) -> None:
    visitor = portal.visitor(YOUYANG.domain)
    forms = [rendered_form(visitor) for _ in range(6)]
    time.sleep(MIN_FILL_SECONDS + 0.5)  # as long as a person takes to fill the form in
    before = len(kept(portal))
    for csrf, rendered in forms[:5]:
        assert receipt(send(visitor, csrf, rendered)) is not None
    files, count = kept(portal), submissions()
    assert len(files) == before + 5

    page = send(visitor, *forms[5])

    assert (page.status, errors_on(page), receipt(page)) == (200, [RATE_LIMITED], None)
    assert (kept(portal), submissions()) == (files, count)


def test_a_replayed_form_is_refused(portal: ProductionServer) -> None:
    visitor = portal.visitor(YOUYANG.domain)
    csrf, rendered = rendered_form(visitor)
    time.sleep(MIN_FILL_SECONDS + 0.5)
    first = send(visitor, csrf, rendered)
    files, count = kept(portal), submissions()

    again = send(visitor, csrf, rendered)

    number = receipt(first)
    assert number is not None, errors_on(first)
    assert (again.status, errors_on(again), receipt(again)) == (200, [REPLAYED], None)
    assert (kept(portal), submissions()) == (files, count)
    with schema_context(YOUYANG.slug):
        assert Submission.objects.get(receipt_no=number).status == "pending"
