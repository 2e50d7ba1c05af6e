"""Consents (授权): kept at the window or lodged by an institution over the API, checked before a
query may use them.

A natural person's consent lodged over the API is not usable until the district has checked it
(issue 18, finding 1: a self-lodged "consent", any bytes starting `%PDF`, bought a full report on a
person): a reviewer looks at the document, or, where the district has chosen it, a valid
electronic signature from a certificate it trusts verifies it at once (a document without one
still goes to a reviewer). A consent taken at the window, where the clerk saw the papers, is
verified when recorded. A consent for a person the district holds nothing on is kept too, under
the person's lookup hash, so that lodging one answers the same whether or not the person has
records here (a valid signature verifies it as it would any other).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import IO

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.accounts.models import User
from core.accounts.policy import require
from core.audit.services import audit_record
from core.common.actors import Actor
from core.common.errors import ValidationFailed
from core.common.identifiers import mask_resident_id, normalise
from core.common.tenancy import current_schema
from core.reports.enums import (
    ConsentChannel,
    ConsentRejection,
    ConsentStatus,
    ConsentVerification,
    QueryProduct,
)
from core.reports.models import Consent, ConsentPolicy
from core.reports.permissions import CONSENT_POLICY, CONSENT_RECORD, CONSENT_VERIFY
from core.reports.signatures import signature_verified
from core.storage.api import store_attachment
from core.subjects.enums import SubjectKind
from core.subjects.models import Subject
from core.subjects.protection import lookup_hash

CONSENT_NOT_VERIFIED = "该授权尚待本区县核验，核验通过后方可使用"


class ConsentRefused(Exception):
    """A consent that cannot be used for this query; `reason` says why, in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ConsentTerms:
    """What a consent authorises: who may query, why, which products, when."""

    grantee_name: str
    grantee_code: str
    purpose: str
    products: list[str]
    valid_from: date
    valid_until: date

    def check(self) -> None:
        if (
            not 1 <= len(self.grantee_name.strip()) <= 200
            or not 1 <= len(normalise(self.grantee_code)) <= 30
        ):
            raise ValidationFailed(
                "请填写被授权人名称和证件号（或统一社会信用代码）", field="grantee_name"
            )
        if not 1 <= len(self.purpose.strip()) <= 200:
            raise ValidationFailed("请填写查询用途（200字以内）", field="purpose")
        if not self.products or any(p not in QueryProduct.values for p in self.products):
            raise ValidationFailed("请选择授权查询的产品", field="products")
        if self.valid_until < self.valid_from:
            raise ValidationFailed("授权截止日期不能早于起始日期", field="valid_until")


def consent_record(
    *, user: User, subject: Subject, terms: ConsentTerms, document: IO[bytes]
) -> Consent:
    """Keep a signed authorisation taken at the window (the clerk saw the papers: verified)."""
    require(user, CONSENT_RECORD)
    return _consent_keep(
        actor=Actor.for_user(user, schema=current_schema()), subject=subject, person_number="",
        terms=terms, document=document, channel=ConsentChannel.WINDOW,
    )  # fmt: skip


def consent_lodge(
    *,
    actor: Actor,
    subject: Subject | None,
    person_number: str,
    terms: ConsentTerms,
    document: IO[bytes],
) -> Consent:
    """Keep an authorisation an institution lodged over the API. `subject` is None for a person
    this district holds nothing on (then `person_number` identifies the person); the caller has
    already checked the institution's key, contract and rate limit."""
    return _consent_keep(actor=actor, subject=subject, person_number=person_number, terms=terms,
                         document=document, channel=ConsentChannel.API)  # fmt: skip


def _consent_keep(
    *,
    actor: Actor,
    subject: Subject | None,
    person_number: str,
    terms: ConsentTerms,
    document: IO[bytes],
    channel: ConsentChannel,
) -> Consent:
    terms.check()
    natural = subject is None or subject.kind == SubjectKind.NATURAL
    if subject is None and not person_number:
        raise ValidationFailed("请提供被查询主体", field="subjectCode")
    content = document.read()
    document.seek(0)
    stored = store_attachment(document, folder="consents", field="document")
    status, verified_by = ConsentStatus.VERIFIED, actor.label
    if channel == ConsentChannel.API and natural:
        status, verified_by = ConsentStatus.PENDING, ""
        if _signature_policy_verifies(content):
            status, verified_by = ConsentStatus.VERIFIED, "电子签名核验"
    with transaction.atomic():
        consent = Consent.objects.create(
            subject=subject,
            subject_hash=_person_hash(subject, person_number),
            subject_masked=_masked(subject, person_number),
            grantee_name=terms.grantee_name.strip(), grantee_code=normalise(terms.grantee_code),
            purpose=terms.purpose.strip(), products=terms.products, valid_from=terms.valid_from,
            valid_until=terms.valid_until, document=stored, recorded_by=actor.label,
            channel=channel, status=status, document_sha256=hashlib.sha256(content).hexdigest(),
            verified_by=verified_by,
            verified_at=timezone.now() if status == ConsentStatus.VERIFIED else None,
        )  # fmt: skip
        audit_record(actor=actor, action="consent.record", subject_id=subject.pk if subject else None,
                     details={"consent": consent.pk, "purpose": consent.purpose,
                              "subject": consent.subject_masked, "channel": channel.value,
                              "status": status.value})  # fmt: skip
    return consent


def _person_hash(subject: Subject | None, person_number: str) -> str:
    if subject is None:
        return lookup_hash(person_number)
    return subject.id_hash or "" if subject.kind == SubjectKind.NATURAL else ""


def _masked(subject: Subject | None, person_number: str) -> str:
    if subject is None:
        return mask_resident_id(person_number)
    return subject.id_masked if subject.kind == SubjectKind.NATURAL else (subject.uscc or "")


def _signature_policy_verifies(content: bytes) -> bool:
    policy = ConsentPolicy.objects.first()
    if policy is None or policy.verification != ConsentVerification.SIGNATURE:
        return False
    return signature_verified(content, trusted_pem=policy.trusted_certificates)


def consent_verify(*, user: User, consent: Consent, approve: bool, rejection: str = "") -> Consent:
    """A reviewer's decision on a consent waiting for it, with one of the fixed reasons when
    not approved (the institution sees that reason)."""
    require(user, CONSENT_VERIFY)
    if not approve and rejection not in ConsentRejection.values:
        raise ValidationFailed("请选择未通过核验的原因", field="rejection")
    with transaction.atomic():
        locked = Consent.objects.select_for_update().get(pk=consent.pk)
        if locked.status != ConsentStatus.PENDING:
            raise ValidationFailed(f"该授权已{locked.get_status_display()}，无需再次核验")
        if approve and locked.subject_id is None:
            locked.subject = _subject_for(locked)
            if locked.subject is None:
                raise ValidationFailed(
                    "本平台尚无该自然人的信用信息，授权书无从核对，请选择“未通过核验”"
                )
        locked.status = ConsentStatus.VERIFIED if approve else ConsentStatus.REJECTED
        locked.rejection = "" if approve else rejection
        locked.verified_by, locked.verified_at = user.email, timezone.now()
        locked.save(update_fields=["subject", "status", "rejection", "verified_by", "verified_at"])
        audit_record(actor=Actor.for_user(user, schema=current_schema()), action="consent.verify",
                     subject_id=locked.subject_id,
                     details={"consent": locked.pk, "status": locked.status,
                              "rejection": locked.rejection})  # fmt: skip
    return locked


def _subject_for(consent: Consent) -> Subject | None:
    if not consent.subject_hash:
        return None
    return Subject.objects.filter(id_hash=consent.subject_hash).first()


def consent_policy_set(
    *, user: User, verification: str, trusted_certificates: str
) -> ConsentPolicy:
    """How the district checks natural persons' consents lodged over the API (admins only)."""

    require(user, CONSENT_POLICY)
    if verification not in ConsentVerification.values:
        raise ValidationFailed("请选择授权核验方式", field="verification")
    pem = trusted_certificates.strip()
    if verification == ConsentVerification.SIGNATURE:
        from core.reports.signatures import certificates_problem

        problem = certificates_problem(pem)
        if problem:
            raise ValidationFailed(problem, field="trusted_certificates")
    with transaction.atomic():
        policy = ConsentPolicy.objects.select_for_update().first() or ConsentPolicy()
        policy.verification, policy.trusted_certificates = verification, pem
        policy.updated_by, policy.updated_at = user.email, timezone.now()
        policy.save()
        audit_record(actor=Actor.for_user(user, schema=current_schema()), action="consent.policy",
                     details={"verification": verification})  # fmt: skip
    return policy


def consent_usable(
    *,
    consent_id: int,
    subject: Subject | None,
    person_hashes: list[str],
    grantee_code: str,
    product: str,
    purpose: str,
    today: date,
) -> Consent:
    """The consent `consent_id` if it lets `grantee_code` query the subject (or, for a person this
    district holds nothing on, the person with one of `person_hashes`) for `product` and
    `purpose` today; raises ConsentRefused with the reason otherwise."""
    match = Q(subject=subject) if subject is not None else Q(pk__in=[])
    if person_hashes:
        match |= Q(subject_hash__in=person_hashes)
    consent = Consent.objects.filter(match, pk=consent_id).first()
    if consent is None:
        raise ConsentRefused("所选授权不属于该主体")
    if consent.status == ConsentStatus.PENDING:
        raise ConsentRefused(CONSENT_NOT_VERIFIED)
    if consent.status == ConsentStatus.REJECTED:
        raise ConsentRefused(f"该授权未通过核验：{consent.get_rejection_display()}")
    if consent.revoked_at is not None:
        raise ConsentRefused("该授权已撤销")
    if not consent.valid_from <= today <= consent.valid_until:
        raise ConsentRefused(
            f"该授权的有效期为{consent.valid_from}至{consent.valid_until}，今天不在有效期内"
        )
    if product not in consent.products:
        raise ConsentRefused("该授权不包括此报告产品")
    if purpose.strip() != consent.purpose:
        raise ConsentRefused(f"查询用途与授权书载明的用途（{consent.purpose}）不一致")
    if normalise(grantee_code) != consent.grantee_code:
        raise ConsentRefused("查询人与授权书中的被授权人不一致")
    return consent
