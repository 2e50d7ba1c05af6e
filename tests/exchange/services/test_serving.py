"""Deny by default: the provider refuses every request that is not exactly what an active
agreement allows, with a Chinese reason and a code, logs the refusal, and signs even the refusal.
Requests go through the provider's whole HTTP stack (router, middleware, view) in-process."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.catalog.models import Department
from exchange.district.models import ExchangeLogEntry
from exchange.keys import private_key_unwrap
from exchange.models import Agreement
from exchange.services.agreements import agreement_revoke
from exchange.services.consuming import answer_verify, request_body
from exchange.services.keys import signing_key_current
from exchange.tokens import TokenClaims, token_sign
from exchange.transport import SIGNATURE_HEADER
from tenants.enums import DistrictStatus
from tenants.models import District
from tenants.routing import routing_changed
from tests.conftest import WANZHOU
from tests.core.collection.conftest import district, upload  # noqa: F401  (fixture)
from tests.core.collection.files import as_csv, penalty, uscc
from tests.exchange.conftest import FINE, LICENCE, PENALTY, accept, propose

NONCE = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def agreement(
    district: Department,  # noqa: F811
    kaizhou: District, wanzhou: District, kaizhou_admin: User, wanzhou_admin: User,
) -> Agreement:  # fmt: skip
    upload(district, as_csv([penalty(1), penalty(2, XDR_SHXYM=uscc(2))]))
    return accept(wanzhou_admin, propose(kaizhou_admin, kaizhou, wanzhou))


def _claims(agreement: Agreement, body: bytes, **changes: Any) -> TokenClaims:
    now = int(time.time())
    claims = TokenClaims(
        issuer="kaizhou", audience="wanzhou", agreement_id=agreement.pk, purpose="administration",
        staff="clerk@kaizhou.test", nonce=NONCE, issued_at=now, expires_at=now + 60,
        body_sha256=hashlib.sha256(body).hexdigest(),
    )  # fmt: skip
    return replace(claims, **changes)


def _token(kaizhou: District, claims: TokenClaims) -> str:
    with schema_context("kaizhou"):
        key = signing_key_current(district=kaizhou, actor=_system())
        return token_sign(
            claims, key_id=key.key_id, private_key=private_key_unwrap(key.private_key_cipher)
        )


def _system() -> Any:
    from core.common.actors import Actor

    return Actor.system("tests")


def _ask(body: bytes, token: str | None, nonce: str = NONCE) -> tuple[int, dict[str, Any]]:
    client = Client(HTTP_HOST=WANZHOU.domain)
    extra: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    response = client.post(
        "/exchange/graphql/", data=body, content_type="application/json", **extra
    )
    with schema_context("wanzhou"):
        wanzhou = District.objects.get(schema_name="wanzhou")
        signature = response.headers.get(SIGNATURE_HEADER, "")
        if token is not None and nonce:
            answer_verify(provider=wanzhou, nonce=nonce, body=response.content, signature=signature)
        else:
            assert signature.count(".") == 2
    return response.status_code, json.loads(response.content)


def _last_log() -> ExchangeLogEntry:
    with schema_context("wanzhou"):
        return ExchangeLogEntry.objects.order_by("-seq").first()  # type: ignore[return-value]


def _body(agreement: Agreement, items: list[dict[str, Any]] | None = None) -> bytes:
    if items is None:
        return request_body(agreement, uscc(1))
    document = json.loads(request_body(agreement, uscc(1)))
    document["variables"]["items"] = items
    return json.dumps(document).encode()


def test_an_allowed_request_gets_only_in_scope_fields(
    kaizhou: District, agreement: Agreement
) -> None:
    body = _body(agreement)

    status, data = _ask(body, _token(kaizhou, _claims(agreement, body)))

    assert status == 200
    shared = data["data"]["sharedRecords"]
    assert (shared["platformName"], shared["code"]) == ("信用万州", uscc(1))
    [record] = shared["records"]
    codes = list(record["fields"])
    assert FINE not in codes
    assert {"CF_WSH", "CF_CFLB", "CF_NR", "CF_XDR_MC"} <= set(codes)
    assert (record["kindLabel"], record["itemCode"], record["state"]) == (
        "行政处罚",
        PENALTY,
        "published",
    )
    log = _last_log()
    assert (log.side, log.outcome, log.request_id, log.agreement_id, log.counterpart, log.purpose,
            log.staff, log.subject_code, log.record_ids) == (
        "provider", "served", NONCE, agreement.pk, "kaizhou", "administration",
        "clerk@kaizhou.test", uscc(1), [int(record["id"])],
    )  # fmt: skip


def test_repaired_withdrawn_and_expired_records_are_not_shared(
    kaizhou: District, agreement: Agreement
) -> None:
    from core.records.models import Record

    with schema_context("wanzhou"):
        record = Record.objects.get(subject__uscc=uscc(1))
        for change in ({"repaired_at": timezone.now()}, {"withdrawn_at": timezone.now()},
                       {"publicity_end": timezone.localdate() - timedelta(days=1)}):  # fmt: skip
            Record.objects.filter(pk=record.pk).update(
                repaired_at=None, withdrawn_at=None, publicity_end=record.publicity_end
            )
            Record.objects.filter(pk=record.pk).update(**change)
            body = _body(agreement)
            nonce = hashlib.sha256(repr(change).encode()).hexdigest()[:32]
            status, data = _ask(body, _token(kaizhou, _claims(agreement, body, nonce=nonce)), nonce)
            assert (status, data["data"]["sharedRecords"]["records"]) == (200, [])


def _revoke(agreement: Agreement, admin: User) -> None:
    with schema_context("wanzhou"):
        agreement_revoke(actor=admin, agreement=agreement, reason="协议终止")


def _expire(agreement: Agreement, admin: User) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    Agreement.objects.filter(pk=agreement.pk).update(
        valid_from=yesterday - timedelta(days=30), valid_until=yesterday
    )


CASES = [
    # (name, claim changes, token tamper, body items, agreement change, status, code, message)
    ("no token", {}, "none", None, None, 401, "NO_TOKEN",
     "请求未携带共享访问令牌（Authorization: Bearer …）"),
    ("bad signature", {}, "tamper", None, None, 401, "BAD_SIGNATURE", "共享访问令牌的签名无效"),
    ("expired token", {"issued_at": -120, "expires_at": -60}, "", None, None, 401, "TOKEN_EXPIRED",
     "共享访问令牌已于"),
    ("token over 5 minutes", {"expires_at": 301}, "", None, None, 401, "TOKEN_TOO_LONG",
     "共享访问令牌的有效期不得超过5分钟"),
    ("another audience", {"audience": "kaizhou"}, "", None, None, 401, "WRONG_AUDIENCE",
     "该令牌不是签发给万州区的"),
    ("unknown agreement", {"agreement_id": 987654}, "", None, None, 403, "UNKNOWN_AGREEMENT",
     "共享协议 #987654 不存在，或不是开州区与万州区之间的协议"),
    ("revoked agreement", {}, "", None, _revoke, 403, "AGREEMENT_REVOKED", "已于"),
    ("expired agreement", {}, "", None, _expire, 403, "AGREEMENT_EXPIRED", "到期"),
    ("wrong purpose", {"purpose": "joint_discipline"}, "", None, None, 403, "WRONG_PURPOSE",
     "不允许用于“联合奖惩”"),
    ("out-of-scope item", {}, "", [{"itemCode": LICENCE, "fields": ["XK_WSH"]}], None, 200,
     "OUT_OF_SCOPE_ITEM", "不包含信息项“N03-01”"),
    ("out-of-scope field", {}, "", [{"itemCode": PENALTY, "fields": ["CF_WSH", FINE]}], None, 200,
     "OUT_OF_SCOPE_FIELD", "未允许共享信息项“N03-02 行政处罚信息”的字段：CF_NR_FK（罚款金额(万元)）"),
    ("body changed after signing", {"body_sha256": "0" * 64}, "", None, None, 401, "BODY_MISMATCH",
     "请求内容与令牌记载的摘要不符"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "tamper", "items", "alter", "status", "code", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_deny_by_default(
    kaizhou: District, agreement: Agreement, wanzhou_admin: User, changes: dict[str, Any],
    tamper: str, items: list[dict[str, Any]] | None, alter: Any, status: int, code: str,
    message: str,
) -> None:  # fmt: skip
    if alter is not None:
        alter(agreement, wanzhou_admin)
    body = _body(agreement, items)
    now = int(time.time())
    shifted = {k: now + v if k in ("issued_at", "expires_at") else v for k, v in changes.items()}
    token = _token(kaizhou, _claims(agreement, body, **shifted))
    if tamper == "tamper":
        token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    sent = None if tamper == "none" else token

    answered, data = _ask(body, sent, nonce="" if tamper == "none" else NONCE)

    assert answered == status
    [error] = data["errors"]
    assert error["extensions"]["code"] == code
    assert message in error["message"]
    log = _last_log()
    verified = code not in ("NO_TOKEN", "BAD_SIGNATURE")
    suffix = "" if verified else "（令牌未通过验证，请求方地址：127.0.0.1）"
    assert (log.side, log.outcome, log.reason_code, log.reason, log.record_ids) == (
        "provider",
        "refused",
        code,
        error["message"] + suffix,
        [],
    )
    assert log.response_hash != ""
    # What an unverified token claims is not the log's to repeat.
    claimed = (log.agreement_id, log.counterpart, log.staff)
    expected = (changes.get("agreement_id", agreement.pk), "kaizhou", "clerk@kaizhou.test")
    assert claimed == (expected if verified else (None, "", ""))


def test_a_token_is_served_once(kaizhou: District, agreement: Agreement) -> None:
    body = _body(agreement)
    token = _token(kaizhou, _claims(agreement, body))

    first, _ = _ask(body, token)
    second, data = _ask(body, token)

    assert (first, second) == (200, 401)
    assert data["errors"][0]["extensions"]["code"] == "REPLAYED"
    with schema_context("wanzhou"):
        assert list(ExchangeLogEntry.objects.order_by("seq").values_list("outcome", "reason_code")) == [
            ("served", ""), ("refused", "REPLAYED"),
        ]  # fmt: skip


def test_only_one_subject_per_request(kaizhou: District, agreement: Agreement) -> None:
    items = [{"itemCode": PENALTY, "fields": ["CF_WSH"]}]
    document = {
        "query": f'query Two($i: [SharedItemInput!]!) {{ a: sharedRecords(code: "{uscc(1)}", '
        f'items: $i) {{ code }} b: sharedRecords(code: "{uscc(2)}", items: $i) {{ code }} }}',
        "variables": {"i": items},
    }
    body = json.dumps(document).encode()

    status, data = _ask(body, _token(kaizhou, _claims(agreement, body)))

    assert status == 200
    assert data["data"] is None
    assert [e["extensions"]["code"] for e in data["errors"]] == ["BAD_REQUEST"]
    assert _last_log().outcome == "refused"


def test_an_archived_provider_still_answers_shared_record_requests(
    kaizhou: District, wanzhou: District, agreement: Agreement
) -> None:
    District.objects.filter(pk=wanzhou.pk).update(status=DistrictStatus.ARCHIVED)
    routing_changed()  # update() sends no signal (tenants/routing.py)
    body = _body(agreement)

    status, data = _ask(body, _token(kaizhou, _claims(agreement, body)))

    assert status == 200
    [record] = data["data"]["sharedRecords"]["records"]
    assert record["fields"]["CF_WSH"] == "万州市监罚〔2026〕1号"


def test_a_forged_token_is_logged_anonymously_and_flooding_is_cut_off(
    kaizhou: District, agreement: Agreement, settings: Any
) -> None:
    settings.EXCHANGE_UNVERIFIED_PER_MINUTE = 3
    body = _body(agreement)
    token = _token(kaizhou, _claims(agreement, body))
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    cache.clear()
    if time.time() % 60 > 50:  # the limit counts per clock minute
        time.sleep(61 - time.time() % 60)

    statuses = [_ask(body, forged)[0] for _ in range(3)]
    flooded = Client(HTTP_HOST=WANZHOU.domain).post(
        "/exchange/graphql/", data=body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {forged}",
    )  # fmt: skip

    assert (statuses, flooded.status_code) == ([401, 401, 401], 429)
    assert flooded.json()["errors"][0]["message"] == "未通过验证的共享请求过于频繁，请稍后再试"
    with schema_context("wanzhou"):
        entries = ExchangeLogEntry.objects.filter(outcome="refused").order_by("seq")
        assert [(e.agreement_id, e.counterpart, e.staff, e.reason_code) for e in entries] == [
            (None, "", "", "BAD_SIGNATURE")] * 3  # fmt: skip
        assert not ExchangeLogEntry.objects.filter(agreement_id=agreement.pk).exists()
