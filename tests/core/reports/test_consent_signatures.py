"""Where a district chooses it, a natural person's consent lodged over the API is verified at once
when its PDF carries a valid electronic signature from a certificate the district trusts; anything
else waits for a reviewer."""

from __future__ import annotations

import io
from datetime import date

import pytest

from core.accounts.enums import StaffRole
from core.catalog.models import Department
from core.common.actors import Actor
from core.common.errors import ValidationFailed
from core.reports.enums import ConsentStatus
from core.reports.services import ConsentTerms, consent_lodge, consent_policy_set
from core.reports.signatures import signature_verified
from tests.conftest import make_staff
from tests.core.collection.conftest import district  # noqa: F401  (fixture)
from tests.support.certificates import signed_pdf, signing_identity

PERSON = "110105194912310038"
TERMS = ConsentTerms(grantee_name="重庆某银行", grantee_code="91500000MA5U000000", purpose="贷款审查",
                     products=["credit_report"], valid_from=date(2026, 11, 1),
                     valid_until=date(2027, 10, 31))  # fmt: skip
PLAIN = b"%PDF-1.4\n% a scan of a signed paper\n"


def lodge(document: bytes) -> str:
    consent = consent_lodge(actor=Actor.system("api:ck_test"), subject=None, person_number=PERSON,
                            terms=TERMS, document=io.BytesIO(document))  # fmt: skip
    return f"{consent.status}:{consent.verified_by}"


def test_only_an_intact_signature_from_a_trusted_certificate_verifies() -> None:
    identity = signing_identity()
    signed = signed_pdf(identity)
    flipped = bytearray(signed)
    at = signed.index(b"/MediaBox") + 11
    flipped[at] = ord("9") if signed[at] != ord("9") else ord("8")
    stranger = signing_identity.__wrapped__()  # another CA altogether

    assert signature_verified(signed, trusted_pem=identity.ca_pem) is True
    assert signature_verified(bytes(flipped), trusted_pem=identity.ca_pem) is False
    assert signature_verified(signed + b"\n% appended\n", trusted_pem=identity.ca_pem) is False
    assert signature_verified(signed, trusted_pem=stranger.ca_pem) is False
    assert signature_verified(PLAIN, trusted_pem=identity.ca_pem) is False
    assert signature_verified(signed, trusted_pem="") is False


def test_the_district_chooses_signatures_and_they_verify_consents_at_once(
    district: Department,  # noqa: F811
) -> None:
    identity = signing_identity()
    admin = make_staff("wanzhou", "admin2@wanzhou.test", StaffRole.DISTRICT_ADMIN)

    before = lodge(signed_pdf(identity))  # the default: a reviewer checks every one
    consent_policy_set(user=admin, verification="signature", trusted_certificates=identity.ca_pem)
    signed, plain = lodge(signed_pdf(identity)), lodge(PLAIN)

    assert before == f"{ConsentStatus.PENDING}:"
    assert signed == f"{ConsentStatus.VERIFIED}:电子签名核验"
    assert plain == f"{ConsentStatus.PENDING}:"


@pytest.mark.parametrize(
    ("certificates", "message"),
    [
        ("", "请至少提供一张 PEM 格式的可信根证书"),
        ("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----",
         "可信证书无法解析：请粘贴 PEM 格式（-----BEGIN CERTIFICATE----- 开头）的证书"),
    ],
)  # fmt: skip
def test_signature_checks_need_a_readable_trusted_certificate(
    district: Department,  # noqa: F811
    certificates: str,
    message: str,
) -> None:
    admin = make_staff("wanzhou", "admin2@wanzhou.test", StaffRole.DISTRICT_ADMIN)
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)

    with pytest.raises(ValidationFailed, match=message):
        consent_policy_set(user=admin, verification="signature", trusted_certificates=certificates)
    with pytest.raises(Exception, match="此操作需要以下角色之一：区县管理员"):
        consent_policy_set(user=reviewer, verification="reviewer", trusted_certificates="")
