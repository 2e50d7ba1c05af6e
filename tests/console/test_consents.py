"""授权核验 in the console: reviewers see the consents institutions lodged for natural persons, open
the document and decide; the admin chooses how consents are checked; other roles see nothing."""

from __future__ import annotations

import io
from datetime import date

from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.common.actors import Actor
from core.reports.enums import ConsentStatus
from core.reports.models import Consent, ConsentPolicy
from core.reports.services import ConsentTerms, consent_lodge
from tests.conftest import make_staff
from tests.support.pages import signed_in

PERSON = "110105194912310038"


def lodged() -> Consent:
    terms = ConsentTerms(grantee_name="重庆某银行", grantee_code="91500000MA5U000000",
                         purpose="贷款审查", products=["credit_report"],
                         valid_from=date(2026, 11, 1), valid_until=date(2027, 10, 31))  # fmt: skip
    return consent_lodge(actor=Actor.system("api:ck_test"), subject=None, person_number=PERSON,
                         terms=terms, document=io.BytesIO(b"%PDF-1.4\n% signed\n"))  # fmt: skip


def test_a_reviewer_checks_a_lodged_consent(department: object) -> None:
    with schema_context("wanzhou"):
        consent = lodged()
    reviewer = signed_in(make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER))

    queue = reviewer.get("/console/consents/").content.decode()
    page = reviewer.get(f"/console/consents/{consent.pk}/").content.decode()
    document = reviewer.get(f"/console/consents/{consent.pk}/?document=1")
    no_reason = reviewer.post(f"/console/consents/{consent.pk}/", {"decision": "reject"})
    decided = reviewer.post(f"/console/consents/{consent.pk}/",
                            {"decision": "reject", "rejection": "identity"})  # fmt: skip

    assert "1101**********0038（本平台暂无其信用信息）" in queue
    assert "重庆某银行（91500000MA5U000000）" in page
    assert document.status_code == 302
    assert document["Location"].startswith("/files/")
    assert "请选择未通过核验的原因" in no_reason.content.decode()
    assert decided.status_code == 302
    with schema_context("wanzhou"):
        stored = Consent.objects.get(pk=consent.pk)
        assert (stored.status, stored.rejection, stored.verified_by) == (
            ConsentStatus.REJECTED, "identity", "reviewer@wanzhou.test")  # fmt: skip


def test_only_reviewers_and_admins_see_the_queue_and_only_admins_the_policy(
    department: object,
) -> None:
    clerk = signed_in(make_staff("wanzhou", "window@wanzhou.test", StaffRole.WINDOW_CLERK))
    reviewer = signed_in(make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER))
    admin = signed_in(make_staff("wanzhou", "admin2@wanzhou.test", StaffRole.DISTRICT_ADMIN))

    assert clerk.get("/console/consents/").status_code == 404
    assert 'data-testid="consent-policy"' not in reviewer.get("/console/consents/").content.decode()
    reviewer.post("/console/consents/", {"verification": "signature"})
    with schema_context("wanzhou"):
        assert not ConsentPolicy.objects.exists()
    refused = admin.post("/console/consents/", {"verification": "signature"})
    saved = admin.post("/console/consents/", {"verification": "reviewer"})

    assert "请至少提供一张 PEM 格式的可信根证书" in refused.content.decode()
    assert saved["Location"] == "/console/consents/?saved=1"
    with schema_context("wanzhou"):
        assert ConsentPolicy.objects.get().verification == "reviewer"
