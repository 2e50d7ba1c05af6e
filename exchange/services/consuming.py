"""The consumer's side: a staff member asks a provider district for a subject's shared records
under an agreement and a purpose. The call goes over HTTP with a short-lived token signed by the
consumer's own key; the answer is used only after its signature verifies. Every attempt is in the
consumer's exchange log, served or refused (by the consumer's own checks or by the provider)."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date

from core.accounts.models import User
from core.accounts.policy import require
from core.common.actors import Actor
from core.common.errors import PermissionDenied, ValidationFailed
from core.common.identifiers import normalise, uscc_problem
from core.common.tenancy import current_schema
from exchange import errors
from exchange.enums import AgreementStatus, ExchangePurpose, LogOutcome, LogSide, RecordUse
from exchange.errors import ExchangeRefused, ExchangeUnavailable
from exchange.keys import private_key_unwrap
from exchange.models import Agreement
from exchange.permissions import EXCHANGE_LOOKUP
from exchange.scope import field_label
from exchange.selectors import agreements_for_lookup, primary_domain, public_key_for
from exchange.services.keys import signing_key_current
from exchange.services.logs import LogDraft, exchange_log_append
from exchange.status import agreement_status
from exchange.tokens import TokenClaims, answer_signature_parse, signature_valid, token_sign
from exchange.transport import exchange_post
from exchange.uses import purpose_allows
from tenants.enums import DistrictStatus
from tenants.models import District

PURPOSE_LABELS = dict(ExchangePurpose.choices)

SHARED_RECORDS_QUERY = """query SharedRecords($code: String!, $items: [SharedItemInput!]!) {
  sharedRecords(code: $code, items: $items) {
    platformName code
    records { id kind kindLabel itemCode itemName state stateLabel publicityEnd fields }
  }
}"""


@dataclass(frozen=True)
class FetchedField:
    code: str
    label: str
    value: str


@dataclass(frozen=True)
class FetchedRecord:
    id: int
    kind_label: str
    item_code: str
    item_name: str
    state_label: str
    publicity_end: date | None
    fields: list[FetchedField]


@dataclass(frozen=True)
class SharedResult:
    """One agreement's part of a lookup: the records the provider sent, or why there are none."""

    agreement: Agreement
    purpose: str
    request_id: str
    source: str  # the provider's platform name, as its signed answer states it
    records: list[FetchedRecord] = field(default_factory=list)
    refused_code: str = ""
    refused_reason: str = ""

    @property
    def refused(self) -> bool:
        return bool(self.refused_code)

    @property
    def may_score(self) -> bool:
        return purpose_allows(self.purpose, RecordUse.SCORE)

    @property
    def may_report(self) -> bool:
        return purpose_allows(self.purpose, RecordUse.REPORT)


def _checked_input(actor: User, code: str, purpose: str) -> str:
    require(actor, EXCHANGE_LOOKUP)
    key = normalise(code)
    problem = uscc_problem(key)
    if problem is not None:
        raise ValidationFailed(problem.message, field="code")
    if purpose not in PURPOSE_LABELS:
        raise ValidationFailed("请选择共享用途", field="purpose")
    return key


def lookup_refusal(consumer: District) -> str | None:
    """Why `consumer` may not look anything up now, or None. Only an active district asks: a
    lookup signs requests and appends to the exchange logs, and an archived district is read-only,
    a suspended one out of service."""
    if consumer.status == DistrictStatus.ACTIVE:
        return None
    return f"{consumer.name}信用平台{consumer.get_status_display()}，不能发起共享查询"


def _consumer_active(consumer: District) -> None:
    refusal = lookup_refusal(consumer)
    if refusal is not None:
        raise PermissionDenied(refusal, code="DISTRICT_NOT_ACTIVE")


def shared_lookup(
    *, actor: User, consumer: District, code: str, purpose: str
) -> list[SharedResult]:
    """Ask every provider whose agreement with `consumer` covers `purpose` today (one call each).
    Refused, with nothing sent or logged, when `consumer` is not active."""
    key = _checked_input(actor, code, purpose)
    _consumer_active(consumer)
    return [
        shared_records_fetch(actor=actor, consumer=consumer, agreement=a, purpose=purpose, code=key)
        for a in agreements_for_lookup(
            consumer=consumer, purpose=purpose, today=timezone.localdate()
        )
    ]


def shared_records_fetch(
    *, actor: User, consumer: District, agreement: Agreement, purpose: str, code: str
) -> SharedResult:
    """One call to the agreement's provider for the subject `code`, asking for the whole scope of
    the agreement. Logged on the consumer's side whatever the outcome of the call; bad input, a
    role that may not ask and a consumer that is not active are refused first (nothing sent or
    logged)."""
    key = _checked_input(actor, code, purpose)
    _consumer_active(consumer)
    if current_schema() != consumer.schema_name or agreement.consumer_id != consumer.pk:
        raise PermissionDenied("只能以本区县的名义按本区县的共享协议查询", code="FORBIDDEN")
    provider = agreement.provider
    nonce = secrets.token_hex(16)
    draft = {"request_id": nonce, "agreement_id": agreement.pk, "counterpart": provider.schema_name,
             "purpose": purpose, "staff": actor.email, "subject_code": key}  # fmt: skip
    try:
        _local_check(agreement, purpose)
        source, records, response_hash = _call(actor, consumer, agreement, purpose, key, nonce)
    except (ExchangeRefused, ExchangeUnavailable) as refusal:
        _log(draft, outcome=LogOutcome.REFUSED, reason_code=refusal.code, reason=refusal.message,
             response_hash=str(refusal.details.get("response_hash", "")))  # fmt: skip
        return SharedResult(
            agreement=agreement, purpose=purpose, request_id=nonce, source=provider.name,
            refused_code=refusal.code, refused_reason=refusal.message,
        )  # fmt: skip
    _log(draft, outcome=LogOutcome.SERVED, record_ids=[r.id for r in records],
         response_hash=response_hash)  # fmt: skip
    return SharedResult(
        agreement=agreement, purpose=purpose, request_id=nonce, source=source, records=records
    )


def _log(draft: dict[str, Any], **outcome: Any) -> None:
    exchange_log_append(draft=LogDraft(side=LogSide.CONSUMER, **draft, **outcome))


def _local_check(agreement: Agreement, purpose: str) -> None:
    """The consumer refuses what it knows the provider would: no call under an agreement that is
    not active or for a purpose it does not allow."""
    status = agreement_status(agreement, timezone.localdate())
    if status == AgreementStatus.REVOKED:
        when = timezone.localtime(agreement.revoked_at) if agreement.revoked_at else None
        raise ExchangeRefused(
            f"共享协议 #{agreement.pk} 已于{when:%Y-%m-%d %H:%M}撤销，未发出请求" if when
            else f"共享协议 #{agreement.pk} 已撤销，未发出请求",
            code=errors.AGREEMENT_REVOKED,
        )  # fmt: skip
    if status == AgreementStatus.EXPIRED:
        raise ExchangeRefused(
            f"共享协议 #{agreement.pk} 已于{agreement.valid_until:%Y-%m-%d}到期，未发出请求",
            code=errors.AGREEMENT_EXPIRED,
        )
    if status != AgreementStatus.ACTIVE:
        raise ExchangeRefused(
            f"共享协议 #{agreement.pk} 尚未生效（{status.label}），未发出请求",
            code=errors.AGREEMENT_NOT_ACTIVE,
        )
    if purpose not in agreement.purposes:
        raise ExchangeRefused(
            f"共享协议 #{agreement.pk} 不允许用于“{PURPOSE_LABELS[purpose]}”，未发出请求",
            code=errors.WRONG_PURPOSE,
        )


def request_body(agreement: Agreement, code: str) -> bytes:
    """The GraphQL request for the agreement's whole scope."""
    items = [{"itemCode": i.item_code, "fields": i.fields} for i in agreement.items.all()]
    document = {"query": SHARED_RECORDS_QUERY, "variables": {"code": code, "items": items}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def request_token(
    *, actor: User, consumer: District, agreement: Agreement, purpose: str, nonce: str,
    body: bytes, lifetime: int | None = None,
) -> str:  # fmt: skip
    """A token signed with the consumer's current key for exactly this request body."""
    key = signing_key_current(
        district=consumer, actor=Actor.for_user(actor, schema=consumer.schema_name)
    )
    now = int(time.time())
    claims = TokenClaims(
        issuer=consumer.schema_name, audience=agreement.provider.schema_name,
        agreement_id=agreement.pk, purpose=purpose, staff=actor.email, nonce=nonce,
        issued_at=now, expires_at=now + (lifetime or settings.EXCHANGE_TOKEN_SECONDS),
        body_sha256=hashlib.sha256(body).hexdigest(),
    )  # fmt: skip
    return token_sign(
        claims, key_id=key.key_id, private_key=private_key_unwrap(key.private_key_cipher)
    )


def _call(
    actor: User, consumer: District, agreement: Agreement, purpose: str, code: str, nonce: str
) -> tuple[str, list[FetchedRecord], str]:
    """POST, verify the answer's signature, and return the provider's platform name, the records
    and the answer's SHA-256; raise ExchangeRefused with the provider's own code and reason when
    it refused."""
    provider = agreement.provider
    domain = primary_domain(provider)
    if domain is None:
        raise ExchangeUnavailable(f"{provider.name}没有可访问的域名")
    body = request_body(agreement, code)
    token = request_token(actor=actor, consumer=consumer, agreement=agreement, purpose=purpose,
                          nonce=nonce, body=body)  # fmt: skip
    answer = exchange_post(domain=domain, token=token, body=body, provider_name=provider.name)
    response_hash = hashlib.sha256(answer.body).hexdigest()
    answer_verify(provider=provider, nonce=nonce, body=answer.body, signature=answer.signature)
    try:
        data = json.loads(answer.body)
    except ValueError as error:
        raise ExchangeUnavailable(f"{provider.name}的应答不是有效的JSON") from error
    problems = data.get("errors") if isinstance(data, dict) else None
    if problems:
        first = problems[0] if isinstance(problems[0], dict) else {}
        raise ExchangeRefused(
            f"{provider.name}拒绝：{str(first.get('message', '未说明原因'))[:250]}",
            code=str((first.get("extensions") or {}).get("code", errors.BAD_REQUEST))[:40],
            details={"response_hash": response_hash},
        )
    shared = (data.get("data") or {}).get("sharedRecords") if isinstance(data, dict) else None
    if not isinstance(shared, dict) or not isinstance(shared.get("records"), list):
        raise ExchangeUnavailable(f"{provider.name}的应答缺少共享记录")
    try:
        records = _records(shared, agreement)
    except (KeyError, TypeError, ValueError) as error:
        raise ExchangeUnavailable(f"{provider.name}的应答中有无法识别的记录") from error
    return str(shared.get("platformName") or provider.name), records, response_hash


def answer_verify(*, provider: District, nonce: str, body: bytes, signature: str) -> None:
    """The answer must carry the provider's valid signature over these bytes for this request."""
    parsed = answer_signature_parse(signature)
    if parsed is None:
        raise ExchangeUnavailable(
            f"{provider.name}的应答没有有效签名，已丢弃", code=errors.RESPONSE_SIGNATURE_INVALID
        )
    key = public_key_for(schema=provider.schema_name, key_id=parsed.key_id, at=timezone.now())
    if (
        parsed.issuer != provider.schema_name
        or parsed.request_id != nonce
        or key is None
        or not signature_valid(key, parsed.signature, parsed.signing_input(body))
    ):
        raise ExchangeUnavailable(
            f"{provider.name}的应答签名验证失败，已丢弃", code=errors.RESPONSE_SIGNATURE_INVALID
        )


def _records(shared: dict[str, Any], agreement: Agreement) -> list[FetchedRecord]:
    """The answer's records, keeping only fields the agreement allows (whatever the provider
    sent: the consumer does not rely on the provider to keep the scope)."""
    allowed = {i.item_code: set(i.fields) for i in agreement.items.all()}
    records = []
    for raw in shared["records"]:
        if not isinstance(raw, dict) or raw.get("itemCode") not in allowed:
            continue
        scope = allowed[raw["itemCode"]]
        sent = raw.get("fields") or {}
        fields = [
            FetchedField(str(code), field_label(str(code)), str(value))
            for code, value in (sent.items() if isinstance(sent, dict) else [])
            if code in scope
        ]
        records.append(
            FetchedRecord(
                id=int(raw["id"]),
                kind_label=str(raw.get("kindLabel", "")),
                item_code=str(raw["itemCode"]),
                item_name=str(raw.get("itemName", "")),
                state_label=str(raw.get("stateLabel", "")),
                publicity_end=parse_date(str(raw.get("publicityEnd", ""))),
                fields=fields,
            )
        )
    return records
