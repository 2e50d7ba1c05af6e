"""The provider's side of an exchange: admit a request (token, agreement, purpose), answer it
within the agreement's scope, log it, sign the answer.

Deny by default: every check below must pass, in this order, or the request is refused with a
code and a Chinese reason (exchange/errors.py), and the refusal is logged like a served request.
Nothing is cached between requests, so a revocation stops the very next one."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.common.actors import Actor
from core.common.identifiers import normalise, uscc_problem
from core.content.selectors import theme_get_current
from core.records.enums import RecordKind, RecordState
from core.records.models import Record
from core.records.state import publishable_q, state_case
from exchange import errors
from exchange.district.models import ExchangeLogEntry
from exchange.enums import AgreementStatus, ExchangePurpose, LogOutcome, LogSide
from exchange.errors import ExchangeRefused
from exchange.keys import private_key_unwrap
from exchange.models import Agreement
from exchange.scope import field_label
from exchange.selectors import public_key_for
from exchange.services.keys import signing_key_current
from exchange.services.logs import LogDraft, exchange_log_append
from exchange.status import agreement_status
from exchange.tokens import TokenClaims, answer_sign, signature_valid, token_parse
from tenants.enums import DistrictKind
from tenants.models import District

MAX_TOKEN_SECONDS = 300
CLOCK_SKEW_SECONDS = 30
PURPOSE_LABELS = dict(ExchangePurpose.choices)
KIND_LABELS = dict(RecordKind.choices)
STATE_LABELS = dict(RecordState.choices)


@dataclass(frozen=True)
class ExchangeGrant:
    """An admitted request: who asks, under which agreement, for what purpose."""

    provider: District
    consumer: District
    agreement: Agreement
    claims: TokenClaims


def _refused(code: str, message: str, **known: Any) -> ExchangeRefused:
    """A refusal carrying what is known of the request, for the log: the token's claims once its
    signature is verified (`verified`), before that only the nonce it claims, which the answer's
    signature echoes for the caller but the log does not take."""
    return ExchangeRefused(message, code=code, details=known)


def refusal_is_verified(refusal: ExchangeRefused) -> bool:
    """Was the refused request's token signed by a district it names? Only then may the log
    attribute it to that district and its agreement."""
    return bool(refusal.details.get("verified"))


def exchange_admit(
    *, provider: District, authorization: str, body: bytes, now: datetime | None = None
) -> ExchangeGrant:
    """Check a request's token and agreement; return the grant or raise ExchangeRefused."""
    now = now or timezone.now()
    if not authorization.startswith("Bearer ") or not authorization[7:].strip():
        raise _refused(errors.NO_TOKEN, "请求未携带共享访问令牌（Authorization: Bearer …）")
    parsed = token_parse(authorization[7:].strip())
    claims = parsed.claims
    consumer = District.objects.filter(
        schema_name=claims.issuer, kind=DistrictKind.DISTRICT
    ).first()
    public_key = public_key_for(schema=claims.issuer, key_id=parsed.key_id, at=now)
    # Until the signature is verified the claims are the caller's word: a refusal says nothing
    # of them (issue 18, finding 5: forged claims were logged as another district's requests
    # under its agreement).
    claimed = {"claimed_request_id": claims.nonce}  # echoed in the answer's signature only
    if consumer is None or public_key is None:
        raise _refused(errors.UNKNOWN_KEY, "令牌的签名密钥不属于任何已登记的平台或已失效",
                       **claimed)  # fmt: skip
    if not signature_valid(public_key, parsed.signature, parsed.signing_input):
        raise _refused(errors.BAD_SIGNATURE, "共享访问令牌的签名无效", **claimed)
    known = {"verified": True, "request_id": claims.nonce, "agreement_id": claims.agreement_id,
             "counterpart": claims.issuer, "purpose": claims.purpose, "staff": claims.staff}  # fmt: skip
    if claims.audience != provider.schema_name:
        raise _refused(errors.WRONG_AUDIENCE, f"该令牌不是签发给{provider.name}的", **known)
    stamp = int(now.timestamp())
    if claims.expires_at - claims.issued_at > MAX_TOKEN_SECONDS:
        raise _refused(errors.TOKEN_TOO_LONG, "共享访问令牌的有效期不得超过5分钟", **known)
    if claims.issued_at > stamp + CLOCK_SKEW_SECONDS:
        raise _refused(errors.MALFORMED_TOKEN, "共享访问令牌的签发时间晚于当前时间", **known)
    if claims.expires_at < stamp:
        expired = datetime.fromtimestamp(claims.expires_at, tz=timezone.get_current_timezone())
        raise _refused(
            errors.TOKEN_EXPIRED, f"共享访问令牌已于{expired:%Y-%m-%d %H:%M:%S}过期", **known
        )
    if hashlib.sha256(body).hexdigest() != claims.body_sha256:
        raise _refused(errors.BODY_MISMATCH, "请求内容与令牌记载的摘要不符", **known)
    agreement = (
        Agreement.objects.filter(pk=claims.agreement_id, provider=provider, consumer=consumer)
        .prefetch_related("items")
        .first()
    )
    if agreement is None:
        raise _refused(
            errors.UNKNOWN_AGREEMENT,
            f"共享协议 #{claims.agreement_id} 不存在，或不是{consumer.name}与{provider.name}之间的协议",
            **known,
        )
    _check_agreement(agreement, timezone.localdate(), known)
    if claims.purpose not in agreement.purposes:
        label = PURPOSE_LABELS.get(claims.purpose, claims.purpose)
        raise _refused(
            errors.WRONG_PURPOSE, f"共享协议 #{agreement.pk} 不允许用于“{label}”", **known
        )
    if ExchangeLogEntry.objects.filter(
        side=LogSide.PROVIDER, outcome=LogOutcome.SERVED, request_id=claims.nonce
    ).exists():
        raise _refused(errors.REPLAYED, "该令牌已使用过，请重新发起请求", **known)
    return ExchangeGrant(provider=provider, consumer=consumer, agreement=agreement, claims=claims)


def _check_agreement(agreement: Agreement, today: date, known: dict[str, Any]) -> None:
    status = agreement_status(agreement, today)
    if status == AgreementStatus.ACTIVE:
        return
    if status == AgreementStatus.REVOKED:
        when = timezone.localtime(agreement.revoked_at) if agreement.revoked_at else None
        raise _refused(
            errors.AGREEMENT_REVOKED,
            f"共享协议 #{agreement.pk} 已于{when:%Y-%m-%d %H:%M}撤销" if when else
            f"共享协议 #{agreement.pk} 已撤销",
            **known,
        )  # fmt: skip
    if status == AgreementStatus.EXPIRED:
        raise _refused(
            errors.AGREEMENT_EXPIRED,
            f"共享协议 #{agreement.pk} 已于{agreement.valid_until:%Y-%m-%d}到期",
            **known,
        )
    raise _refused(
        errors.AGREEMENT_NOT_ACTIVE, f"共享协议 #{agreement.pk} 尚未生效（{status.label}）", **known
    )


@dataclass(frozen=True)
class RequestedItem:
    item_code: str
    fields: Sequence[str]


@dataclass(frozen=True)
class SharedRecord:
    id: int
    kind: str
    kind_label: str
    item_code: str
    item_name: str
    state: str
    state_label: str
    publicity_end: date
    fields: dict[str, str]  # field code → value, in the requested order


@dataclass(frozen=True)
class SharedAnswer:
    platform_name: str
    code: str
    records: list[SharedRecord]


def shared_records_answer(
    *, grant: ExchangeGrant, code: str, items: Sequence[RequestedItem], today: date | None = None
) -> SharedAnswer:
    """The subject's currently publishable records of the requested items, with only the
    requested fields, after checking both against the agreement's scope (refused otherwise)."""
    today = today or timezone.localdate()
    key = normalise(code)
    problem = uscc_problem(key)
    if problem is not None:
        raise ExchangeRefused(problem.message, code=errors.INVALID_CODE, field="code")
    allowed = {item.item_code: item for item in grant.agreement.items.all()}
    if not items:
        raise ExchangeRefused("请求未列出任何信息项", code=errors.BAD_REQUEST, field="items")
    wanted: dict[str, list[str]] = {}
    for requested in items:
        scope = allowed.get(requested.item_code)
        if scope is None:
            raise ExchangeRefused(
                f"共享协议 #{grant.agreement.pk} 不包含信息项“{requested.item_code}”",
                code=errors.OUT_OF_SCOPE_ITEM, field="items",
            )  # fmt: skip
        outside = [f for f in requested.fields if f not in scope.fields]
        if outside:
            names = "、".join(f"{f}（{field_label(f)}）" for f in outside)
            raise ExchangeRefused(
                f"共享协议 #{grant.agreement.pk} 未允许共享信息项“{scope.item_code} "
                f"{scope.item_name}”的字段：{names}",
                code=errors.OUT_OF_SCOPE_FIELD, field="items",
            )  # fmt: skip
        wanted[scope.item_code] = list(dict.fromkeys(requested.fields))
    rows = (
        Record.objects.filter(publishable_q(today), subject__uscc=key,
                              catalog_item__code__in=list(wanted))
        .annotate(state=state_case(today))
        .order_by("-decision_date", "-id")
        .values_list("id", "kind", "catalog_item__code", "catalog_item__name", "state",
                     "publicity_end", "fields")
    )  # fmt: skip
    records = [
        SharedRecord(
            id=record_id,
            kind=kind,
            kind_label=KIND_LABELS.get(kind, kind),
            item_code=item_code,
            item_name=item_name,
            state=state,
            state_label=STATE_LABELS.get(state, state),
            publicity_end=publicity_end,
            fields={
                c: str(fields[c]) for c in wanted[item_code] if fields.get(c) not in (None, "")
            },
        )
        for record_id, kind, item_code, item_name, state, publicity_end, fields in rows
    ]
    theme = theme_get_current()
    platform = theme.platform_name if theme else f"{grant.provider.name}信用平台"
    return SharedAnswer(platform_name=platform, code=key, records=records)


def unsigned_request_id() -> str:
    """The provider's own id for a request whose token it could not read."""
    return f"unsigned-{secrets.token_hex(12)}"


def exchange_log_provided(
    *, grant: ExchangeGrant | None, refusal: ExchangeRefused | None, answer: SharedAnswer | None,
    request_id: str, response_hash: str, subject_code: str = "", address: str = "",
) -> ExchangeLogEntry:  # fmt: skip
    """Log what the provider did with one request: served (the records it sent) or refused (why).
    A second use of a served token loses the race here and comes back as REPLAYED."""
    known: dict[str, Any] = dict(refusal.details) if refusal is not None else {}
    if refusal is not None and grant is None and not refusal_is_verified(refusal):
        # Anonymous: the caller's address, not its claims; never counted against an agreement.
        refusal = ExchangeRefused(
            f"{refusal.message}（令牌未通过验证，请求方地址：{address or '未知'}）",
            code=refusal.code,
        )
    if grant is not None:
        claims = grant.claims
        known = {"request_id": claims.nonce, "agreement_id": grant.agreement.pk,
                 "counterpart": claims.issuer, "purpose": claims.purpose, "staff": claims.staff}  # fmt: skip
    draft = LogDraft(
        side=LogSide.PROVIDER,
        request_id=str(known.get("request_id") or request_id),
        outcome=LogOutcome.REFUSED if refusal is not None else LogOutcome.SERVED,
        agreement_id=known.get("agreement_id"),
        counterpart=str(known.get("counterpart", "")),
        purpose=str(known.get("purpose", "")),
        staff=str(known.get("staff", "")),
        subject_code=answer.code if answer is not None else subject_code,
        record_ids=[r.id for r in answer.records] if answer is not None else [],
        response_hash=response_hash,
        reason_code=refusal.code if refusal is not None else "",
        reason=refusal.message if refusal is not None else "",
    )
    try:
        with transaction.atomic():
            return exchange_log_append(draft=draft)
    except IntegrityError as clash:
        if draft.outcome != LogOutcome.SERVED:
            raise
        raise _refused(errors.REPLAYED, "该令牌已使用过，请重新发起请求", **known) from clash


def answer_signature_for(*, provider: District, request_id: str, body: bytes) -> str:
    """The provider's detached signature over an answer's exact bytes, bound to the request."""
    key = signing_key_current(district=provider, actor=Actor.system("exchange"))
    return answer_sign(
        body, key_id=key.key_id, issuer=provider.schema_name, request_id=request_id,
        private_key=private_key_unwrap(key.private_key_cipher),
    )  # fmt: skip
