"""What institutions buy over the API: reports (basic, full) and score queries (one or a batch),
each through the metered call. Consent and purpose are checked first (refusals are logged in the
district's query log and never charged); the report is rendered before the contract lock is taken,
so the lock covers only the quota check and the writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone

from billing.enums import ProductCode
from billing.models import ApiKey
from billing.services.keys import rate_limit_take
from billing.services.metering import (
    Charge,
    Served,
    call_authorise,
    fingerprint,
    metered_call,
)
from core.common.actors import Actor, ActorKind
from core.common.errors import NotFound, ValidationFailed
from core.common.identifiers import (
    mask_person_name,
    mask_resident_id,
    normalise,
    resident_id_problem,
    uscc_problem,
)
from core.common.tenancy import current_schema
from core.reports.enums import QueryProduct, RequesterKind
from core.reports.models import Report
from core.reports.services import (
    ReportSite,
    Requester,
    query_authorise,
    query_log_issued,
    query_refuse_unknown_person,
    report_prepare,
    report_store,
)
from core.scoring.selectors import score_current
from core.subjects.enums import SubjectKind
from core.subjects.models import Subject
from core.subjects.protection import lookup_hashes
from tenants.models import District

MAX_BATCH = 100


def _actor(key: ApiKey) -> Actor:
    return Actor(kind=ActorKind.USER, label=f"api:{key.prefix}", schema=current_schema())


def _requester(key: ApiKey) -> Requester:
    return Requester(kind=RequesterKind.INSTITUTION, name=key.customer.name, code=key.customer.uscc)


def subject_by_code(code: str) -> Subject:
    """An organisation by its 统一社会信用代码, or a person by ID number (NotFound when absent).
    Only for organisations' codes, or where the caller already holds the person's consent: a
    person's absence must never be told apart from a refusal (`report_subject`)."""
    number = normalise(code)
    if len(number) != 18:
        raise ValidationFailed("请提供18位统一社会信用代码或身份证号码", field="subjectCode")
    subject = Subject.objects.filter(Q(uscc=number) | Q(id_hash__in=lookup_hashes(number))).first()
    if subject is None:
        raise NotFound("本平台没有该主体的信用信息", field="subjectCode")
    return subject


@dataclass(frozen=True)
class CodedSubject:
    """The subject an institution names by code. `person`: the code is a valid ID number, so
    the subject may be a person, and its absence (`subject` None) must not be told."""

    number: str
    subject: Subject | None
    person: bool


def subject_for_code(code: str) -> CodedSubject:
    """Find the subject of a code. A valid ID number is looked up as a person first (and, should
    it also be an organisation's code, as that organisation); an organisation's code that is not
    found raises NotFound (organisations are public); anything else raises ValidationFailed."""
    number = normalise(code)
    if len(number) == 18 and resident_id_problem(number) is None:
        subject = Subject.objects.filter(id_hash__in=lookup_hashes(number)).first()
        subject = subject or Subject.objects.filter(uscc=number).first()
        return CodedSubject(number, subject, person=True)
    problem = uscc_problem(number)
    if problem is not None:
        raise ValidationFailed(
            f"请提供有效的18位统一社会信用代码或身份证号码：{problem.message}", field="subjectCode"
        )
    return CodedSubject(number, subject_by_code(number), person=False)


def report_purchase(
    *,
    key: ApiKey,
    district: District,
    product: str,
    subject_code: str,
    purpose: str,
    consent_id: int | None,
    idempotency_key: str,
    site: ReportSite,
) -> tuple[Report, Charge]:
    """A basic report (public information) or a full one (with what is disclosed on authorisation;
    a consent is required for every subject)."""
    if product not in (ProductCode.BASIC_REPORT, ProductCode.FULL_REPORT):
        raise ValidationFailed("报告产品应为 basic_report 或 full_report", field="product")
    rate_limit_take(key)
    params = fingerprint(product=product, subject=normalise(subject_code), purpose=purpose.strip(),
                         consent=consent_id)  # fmt: skip
    authorised = call_authorise(key=key, district=district, product=product,
                                today=timezone.localdate(), idempotency_key=idempotency_key,
                                params=params)  # fmt: skip
    if authorised.replay is not None:
        return Report.objects.get(number=authorised.replay.reference), authorised.replay
    full = product == ProductCode.FULL_REPORT
    subject = _report_subject(key, subject_code, purpose, consent_id)
    grant = query_authorise(subject=subject,
                            requester=_requester(key), purpose=purpose, product=QueryProduct.CREDIT_REPORT,
                            consent_id=consent_id, handled_by=f"api:{key.prefix}",
                            consent_required=full)  # fmt: skip
    prepared = report_prepare(grant, site=site, restricted=full)

    stored: list[Report] = []

    def serve() -> Served:
        stored.append(report_store(prepared, actor=_actor(key)))
        return Served(reference=stored[0].number, response={"report": stored[0].number},
                      subject=subject_masked(subject, normalise(subject_code)))  # fmt: skip

    charge = metered_call(key=key, contract=authorised.contract, product=product,
                          idempotency_key=idempotency_key, params=params, units=1, serve=serve)  # fmt: skip
    if charge.replayed:  # a retry with the same key got in first: its report is the answer
        return Report.objects.get(number=charge.reference), charge
    return stored[0], charge


def subject_masked(subject: Subject, code: str) -> str:
    """The subject as the institution's usage list shows it: an organisation by name and code
    (public), a natural person masked (张* 5001**********1234), never the full ID number."""
    if subject.kind == SubjectKind.NATURAL:
        return f"{mask_person_name(subject.name)}（{mask_resident_id(code)}）"
    return f"{subject.name}（{subject.uscc or code}）"


def _report_subject(key: ApiKey, code: str, purpose: str, consent_id: int | None) -> Subject:
    """The subject of a report purchase. A person this district holds nothing on is refused as a
    person without a usable consent would be (same code, same reason)."""
    coded = subject_for_code(code)
    if coded.subject is None:
        query_refuse_unknown_person(person_number=coded.number, requester=_requester(key),
                                    purpose=purpose, product=QueryProduct.CREDIT_REPORT,
                                    consent_id=consent_id, actor=_actor(key))  # fmt: skip
    return coded.subject


def score_purchase(
    *,
    key: ApiKey,
    district: District,
    subject_codes: list[str],
    purpose: str,
    idempotency_key: str,
) -> tuple[list[dict[str, Any]], list[str], Charge]:
    """Scores of organisations: one code is a score query, several (≤100) a batch query, charged
    per organisation found. Codes not found (or of natural persons, who are not scored) are
    returned as such and not charged."""
    codes = [normalise(c) for c in subject_codes]
    if not 1 <= len(codes) <= MAX_BATCH:
        raise ValidationFailed(f"一次可查询1到{MAX_BATCH}个统一社会信用代码", field="subjectCodes")
    if len(set(codes)) != len(codes):
        raise ValidationFailed("统一社会信用代码有重复", field="subjectCodes")
    product = ProductCode.SCORE_QUERY if len(codes) == 1 else ProductCode.BATCH_QUERY
    rate_limit_take(key)
    today = timezone.localdate()
    params = fingerprint(product=product, subjects=codes, purpose=purpose.strip())
    authorised = call_authorise(key=key, district=district, product=product, today=today,
                                idempotency_key=idempotency_key, params=params)  # fmt: skip
    if (earlier := authorised.replay) is not None:
        return earlier.response["scores"], earlier.response["notFound"], earlier
    found = {
        s.uscc: s for s in Subject.objects.filter(uscc__in=codes).exclude(kind=SubjectKind.NATURAL)
    }
    missing = [c for c in codes if c not in found]
    if not found:
        raise NotFound("所查代码在本平台均无法人或非法人组织的信用信息", field="subjectCodes")
    grants = [
        query_authorise(subject=found[c], requester=_requester(key), purpose=purpose,
                        product=QueryProduct.CREDIT_SCORE, consent_id=None, handled_by=f"api:{key.prefix}")
        for c in codes if c in found
    ]  # fmt: skip
    lines = [_score_line(found[c], today) for c in codes if c in found]

    def serve() -> Served:
        for grant in grants:
            query_log_issued(grant, reference=idempotency_key[:32], actor=_actor(key))
        return Served(reference=f"{len(lines)}户", response={"scores": lines, "notFound": missing},
                      subject="、".join(subject_masked(found[c], c) for c in codes if c in found))  # fmt: skip

    charge = metered_call(key=key, contract=authorised.contract, product=product,
                          idempotency_key=idempotency_key, params=params, units=len(lines),
                          serve=serve)  # fmt: skip
    return charge.response["scores"], charge.response["notFound"], charge


def _score_line(subject: Subject, today: date) -> dict[str, Any]:
    score = score_current(subject.pk)
    return {
        "code": subject.uscc or "",
        "name": subject.name,
        "score": score.total if score is not None else None,
        "grade": score.grade if score is not None else "",
        "scoredOn": f"{score.as_of:%Y-%m-%d}" if score is not None else "",
    }
