"""Report issuing. Every query is logged, issued or refused (征信业管理条例 Art. 18: querying a
person needs their written consent and a stated purpose). A refusal is logged in its own
transaction and then raised, so the refusal itself is never lost."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import NoReturn

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.policy import require
from core.audit.services import audit_record
from core.common.actors import Actor
from core.common.codes import verification_code
from core.common.errors import NotFound, PermissionDenied, ValidationFailed
from core.common.identifiers import mask_resident_id, normalise
from core.common.tenancy import current_schema
from core.publicity.rules import add_months
from core.reports.assembly import SCHEMA, assemble
from core.reports.enums import QueryProduct, QueryResult, RequesterKind
from core.reports.models import Consent, QueryLog, Report, WindowPrice
from core.reports.pdf import report_pdf
from core.reports.permissions import REPORT_ISSUE, WINDOW_PRICE
from core.reports.selectors import ReportSite, consents_for_subject
from core.reports.services.consents import ConsentRefused, consent_usable
from core.subjects.enums import SubjectKind
from core.subjects.models import Subject
from core.subjects.protection import lookup_hashes

FREE_SELF_QUERIES_PER_YEAR = 2  # 征信业管理条例 Art. 17
PERSON_NEEDS_CONSENT = "查询自然人的信用信息须取得本人书面授权并说明用途"


@dataclass(frozen=True)
class Requester:
    kind: str
    name: str
    code: str = ""  # ID number or 统一社会信用代码 of the requester


def _is_subject(subject: Subject, code: str) -> bool:
    """Does the code the window checked on the requester's papers belong to the subject?"""
    number = normalise(code)
    if not number:
        return False
    if subject.kind == SubjectKind.NATURAL:
        return subject.id_hash in lookup_hashes(number)
    return subject.uscc == number


def _queried(subject: Subject, today: date) -> list[dict[str, str]]:
    """Who obtained a report on the subject in the last two years (refusals are not queries)."""
    since = add_months(today, -24)
    return [
        {"date": f"{timezone.localtime(q.at):%Y-%m-%d}", "requester": q.requester_name,
         "requester_kind": q.get_requester_kind_display(), "purpose": q.purpose}
        for q in QueryLog.objects.filter(subject=subject, result=QueryResult.ISSUED, at__date__gte=since)
        .order_by("-at")
    ]  # fmt: skip


def _consents(subject: Subject) -> list[dict[str, str]]:
    """Every consent lodged for the subject, by whom and with what result: its right to know who
    holds an authorisation in its name (a refused or pending one included)."""
    products = dict(QueryProduct.choices)
    return [
        {"date": f"{timezone.localtime(c.recorded_at):%Y-%m-%d}", "grantee": c.grantee_name,
         "purpose": c.purpose, "scope": "、".join(products.get(p, p) for p in c.products),
         "valid": f"{c.valid_from:%Y-%m-%d}至{c.valid_until:%Y-%m-%d}",
         "channel": c.get_channel_display(),
         "status": "已撤销" if c.revoked_at else c.get_status_display()}
        for c in consents_for_subject(subject)
    ]  # fmt: skip


def self_query_fee(subject: Subject, requester: Requester, product: str, today: date) -> Decimal:
    """What this report costs at the window: a natural person's own reports are free twice a
    calendar year; from the third, the district's price (0 when it has set none)."""
    if subject.kind != SubjectKind.NATURAL or requester.kind != RequesterKind.SELF:
        return Decimal(0)
    if self_queries_this_year(subject, today) < FREE_SELF_QUERIES_PER_YEAR:
        return Decimal(0)
    price = WindowPrice.objects.filter(product=product).values_list("price_yuan", flat=True).first()
    return price or Decimal(0)


def window_price_set(*, user: User, product: str, price_yuan: str) -> WindowPrice:
    require(user, WINDOW_PRICE)
    try:
        price = Decimal(price_yuan.strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, AttributeError):
        raise ValidationFailed("价格应为以元计的数字，如20或20.00", field="price_yuan") from None
    if not price.is_finite() or not Decimal(0) <= price < Decimal(100000):
        raise ValidationFailed("价格应在0到99999.99元之间", field="price_yuan")
    with transaction.atomic():
        row, _ = WindowPrice.objects.update_or_create(
            product=product,
            defaults={"price_yuan": price, "updated_by": user.email, "updated_at": timezone.now()},
        )
        audit_record(actor=Actor.for_user(user, schema=current_schema()), action="report.price",
                     details={"product": product, "price_yuan": str(price)})  # fmt: skip
    return row


def self_queries_this_year(subject: Subject, today: date) -> int:
    return QueryLog.objects.filter(
        subject=subject, requester_kind=RequesterKind.SELF, result=QueryResult.ISSUED,
        at__year=today.year,
    ).count()  # fmt: skip


def report_issue(
    *,
    subject: Subject,
    requester: Requester,
    purpose: str,
    handled_by: User,
    site: ReportSite,
    product: str = QueryProduct.CREDIT_REPORT,
    consent_id: int | None = None,
    fee_collected: bool = False,
) -> Report:
    """Issue a public credit report at the window, or refuse with the reason; either way the query
    is logged.

    A natural person's report needs the person (identity checked at the window) or a valid consent
    naming the requester. An organisation's public information needs none; information disclosed
    only on authorisation is included for the subject itself or under a valid consent."""
    require(handled_by, REPORT_ISSUE)
    if requester.kind not in RequesterKind.values or not 1 <= len(requester.name.strip()) <= 200:
        raise ValidationFailed("请填写查询人（200字以内）及其类型", field="requester_name")
    today = timezone.localdate()
    grant = query_authorise(subject=subject, requester=requester, purpose=purpose,
                            product=product, consent_id=consent_id, handled_by=handled_by.email)  # fmt: skip
    fee = self_query_fee(subject, requester, product, today)
    if fee and not fee_collected:
        raise ValidationFailed(
            f"本人本年度第{self_queries_this_year(subject, today) + 1}次查询，按收费标准收费{fee}元；"
            "请收费后勾选“已收取费用”再出具",
            field="fee_collected",
        )
    grant.log.fee_yuan = fee
    prepared = report_prepare(grant, site=site)
    with transaction.atomic():
        return report_store(prepared, actor=Actor.for_user(handled_by, schema=current_schema()))


@dataclass
class QueryGrant:
    """A query that passed the consent, purpose and identity checks; its log entry is not yet
    saved (it is saved with what the query produces)."""

    subject: Subject
    product: str
    consent: Consent | None
    is_self: bool
    log: QueryLog


def query_authorise(
    *,
    subject: Subject,
    requester: Requester,
    purpose: str,
    product: str,
    consent_id: int | None,
    handled_by: str,
    consent_required: bool = False,
) -> QueryGrant:
    """Check consent, purpose and identity for a query. A refusal is logged (in its own
    transaction, so it survives the caller's rollback) and raised as PermissionDenied."""
    if not 1 <= len(purpose.strip()) <= 200 or len(normalise(requester.code)) > 30:
        raise ValidationFailed("请填写查询用途（200字以内）和有效的证件号", field="purpose")
    today, now = timezone.localdate(), timezone.now()
    log = QueryLog(subject=subject, requester_kind=requester.kind, requester_name=requester.name.strip(),
                   requester_code=normalise(requester.code), purpose=purpose.strip(), product=product,
                   handled_by=handled_by, at=now)  # fmt: skip
    try:
        consent = None
        if consent_id is not None:
            consent = consent_usable(
                consent_id=consent_id, subject=subject, person_hashes=[], grantee_code=requester.code,
                product=product, purpose=purpose, today=today,
            )  # fmt: skip
        is_self = requester.kind == RequesterKind.SELF
        if is_self and not _is_subject(subject, requester.code):
            raise ConsentRefused(
                "本人查询须核验本人证件：证件号或统一社会信用代码与被查询主体不一致"
            )
        if subject.kind == SubjectKind.NATURAL and not is_self and consent is None:
            raise ConsentRefused(PERSON_NEEDS_CONSENT)
        if consent_required and consent is None:
            raise ConsentRefused("此产品须提供被查询主体的有效书面授权（consentId）")
    except ConsentRefused as refused:
        log.result, log.reason = QueryResult.REFUSED, refused.reason
        with transaction.atomic():
            log.save()
        raise PermissionDenied(refused.reason, code="CONSENT_REQUIRED") from None
    return QueryGrant(subject=subject, product=product, consent=consent, is_self=is_self, log=log)


@dataclass(frozen=True)
class PreparedReport:
    """A report assembled and rendered, not yet stored (the slow part, done outside any lock)."""

    grant: QueryGrant
    number: str
    code: str
    body: bytes
    pdf: bytes
    now: datetime


def report_prepare(
    grant: QueryGrant, *, site: ReportSite, restricted: bool = True
) -> PreparedReport:
    today, now = timezone.localdate(), timezone.now()
    number = f"XY{today:%Y%m%d}{secrets.randbelow(10**8):08d}"
    data = assemble(subject=grant.subject, today=today, now=now, number=number,
                    include_restricted=restricted and (grant.is_self or grant.consent is not None),
                    queries=_queried(grant.subject, today) if grant.is_self else None,
                    consents=_consents(grant.subject) if grant.is_self else None,
                    issuer={"platform": site.platform, "operator": site.operator})  # fmt: skip
    body = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1).encode()
    code = verification_code()
    pdf = report_pdf(data, verification_code=code, verify_url=site.link(number, code))
    return PreparedReport(grant=grant, number=number, code=code, body=body, pdf=pdf, now=now)


def report_store(prepared: PreparedReport, *, actor: Actor) -> Report:
    """Store a prepared report and log the query as issued. Call inside a transaction."""
    grant, number = prepared.grant, prepared.number
    name = default_storage.save(f"reports/{number}.json", ContentFile(prepared.body))
    pdf_name = default_storage.save(f"reports/{number}.pdf", ContentFile(prepared.pdf))
    report = Report.objects.create(
        number=number, verification_code=prepared.code, subject=grant.subject, product=grant.product,
        schema_version=SCHEMA, data_as_of=prepared.now, stored_json=name, stored_pdf=pdf_name,
        sha256=hashlib.sha256(prepared.body).hexdigest(), issued_at=prepared.now,
        pdf_sha256=hashlib.sha256(prepared.pdf).hexdigest(),
    )  # fmt: skip
    query_log_issued(grant, reference=number, actor=actor)
    return report


def query_log_issued(grant: QueryGrant, *, reference: str, actor: Actor) -> None:
    """Log an authorised query as answered (`reference`: the report number, or what was served)."""
    log = grant.log
    log.consent, log.result, log.report_number = grant.consent, QueryResult.ISSUED, reference
    log.save()
    action = "report.issue" if grant.product == QueryProduct.CREDIT_REPORT else "query.answer"
    audit_record(actor=actor, action=action, subject_id=grant.subject.pk,
                 details={"report": reference, "requester": log.requester_name, "purpose": log.purpose})  # fmt: skip


def query_refuse_unknown_person(
    *,
    person_number: str,
    requester: Requester,
    purpose: str,
    product: str,
    consent_id: int | None,
    actor: Actor,
) -> NoReturn:
    """A query about a person this district holds nothing on, answered exactly as a query about a
    person it does hold records on would be without a usable consent: the same code and reason,
    so that a refusal never tells whether a person has records here (issue 18, finding 1). The
    refusal is audited with the masked number (there is no subject to log the query under). Only
    a consent the district has verified lets it say that there is nothing to report."""
    reason = PERSON_NEEDS_CONSENT
    if consent_id is not None:
        try:
            consent_usable(consent_id=consent_id, subject=None, person_hashes=lookup_hashes(person_number),
                           grantee_code=requester.code, product=product, purpose=purpose,
                           today=timezone.localdate())  # fmt: skip
        except ConsentRefused as refused:
            reason = refused.reason
        else:
            raise NotFound("本平台没有该主体的信用信息", field="subjectCode")
    with transaction.atomic():
        audit_record(actor=actor, action="query.refuse",
                     details={"subject": mask_resident_id(person_number), "requester": requester.name,
                              "purpose": purpose.strip()[:200], "reason": reason})  # fmt: skip
    raise PermissionDenied(reason, code="CONSENT_REQUIRED")
