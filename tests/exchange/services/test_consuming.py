"""The consumer's own checks: input, role, local refusals (logged, no call), and answers whose
signature does not verify are discarded."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.common.actors import Actor
from core.common.errors import PermissionDenied, ValidationFailed
from exchange.district.models import ExchangeLogEntry, SigningKey
from exchange.errors import ExchangeUnavailable
from exchange.keys import private_key_unwrap
from exchange.services.consuming import answer_verify, shared_lookup, shared_records_fetch
from exchange.services.keys import signing_key_current
from exchange.tokens import answer_sign
from tenants.enums import DistrictStatus
from tenants.models import District
from tests.conftest import make_staff
from tests.core.collection.files import uscc
from tests.exchange.conftest import accept, propose


def test_input_and_role_are_checked_first(kaizhou: District, kaizhou_clerk: User) -> None:
    auditor = make_staff("kaizhou", "auditor@kaizhou.test", StaffRole.AUDITOR)
    with schema_context("kaizhou"):
        with pytest.raises(ValidationFailed, match="统一社会信用代码校验位错误"):
            shared_lookup(actor=kaizhou_clerk, consumer=kaizhou, code=uscc(1)[:17] + "0"
                          if uscc(1)[17] != "0" else uscc(1)[:17] + "1", purpose="administration")  # fmt: skip
        with pytest.raises(ValidationFailed, match="请选择共享用途"):
            shared_lookup(actor=kaizhou_clerk, consumer=kaizhou, code=uscc(1), purpose="营销")
        with pytest.raises(PermissionDenied, match="此操作需要以下角色之一"):
            shared_lookup(actor=auditor, consumer=kaizhou, code=uscc(1), purpose="administration")
        assert shared_lookup(actor=kaizhou_clerk, consumer=kaizhou, code=uscc(1),
                             purpose="administration") == []  # fmt: skip
        assert not ExchangeLogEntry.objects.exists()


def test_the_consumer_refuses_a_wrong_purpose_without_calling(
    kaizhou: District, wanzhou: District, kaizhou_admin: User, wanzhou_admin: User,
    kaizhou_clerk: User,
) -> None:  # fmt: skip
    agreement = accept(wanzhou_admin, propose(kaizhou_admin, kaizhou, wanzhou))

    with schema_context("kaizhou"):
        result = shared_records_fetch(actor=kaizhou_clerk, consumer=kaizhou, agreement=agreement,
                                      purpose="joint_discipline", code=uscc(1))  # fmt: skip
        [entry] = ExchangeLogEntry.objects.all()

    assert (result.refused_code, result.source, result.records) == ("WRONG_PURPOSE", "万州区", [])
    assert result.refused_reason == f"共享协议 #{agreement.pk} 不允许用于“联合奖惩”，未发出请求"
    assert (entry.side, entry.outcome, entry.reason_code, entry.request_id) == (
        "consumer",
        "refused",
        "WRONG_PURPOSE",
        result.request_id,
    )
    with schema_context("wanzhou"):
        assert not ExchangeLogEntry.objects.exists()


def test_an_answer_must_carry_the_providers_signature_for_this_request(wanzhou: District) -> None:
    body = b'{"data":{"sharedRecords":{"platformName":"\xe4\xbf\xa1\xe7\x94\xa8","records":[]}}}'
    with schema_context("wanzhou"):
        key = signing_key_current(district=wanzhou, actor=Actor.system("tests"))
    private = private_key_unwrap(key.private_key_cipher)
    signature = answer_sign(body, key_id=key.key_id, issuer="wanzhou", request_id="r1",
                            private_key=private)  # fmt: skip

    answer_verify(provider=wanzhou, nonce="r1", body=body, signature=signature)
    for nonce, sent, header in (("r2", body, signature), ("r1", body + b" ", signature),
                                ("r1", body, ""), ("r1", body, "x.y.z")):  # fmt: skip
        with pytest.raises(ExchangeUnavailable, match="万州区的应答") as refused:
            answer_verify(provider=wanzhou, nonce=nonce, body=sent, signature=header)
        assert refused.value.code == "RESPONSE_SIGNATURE_INVALID"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (DistrictStatus.ARCHIVED, "开州区信用平台已归档（只读），不能发起共享查询"),
        (DistrictStatus.SUSPENDED, "开州区信用平台已暂停，不能发起共享查询"),
    ],
)
def test_a_district_that_is_not_active_asks_nobody(
    kaizhou: District, wanzhou: District, kaizhou_admin: User, wanzhou_admin: User,
    kaizhou_clerk: User, status: DistrictStatus, message: str,
) -> None:  # fmt: skip
    agreement = accept(wanzhou_admin, propose(kaizhou_admin, kaizhou, wanzhou))
    kaizhou.status = status

    with schema_context("kaizhou"):
        with pytest.raises(PermissionDenied) as lookup:
            shared_lookup(actor=kaizhou_clerk, consumer=kaizhou, code=uscc(1),
                          purpose="administration")  # fmt: skip
        with pytest.raises(PermissionDenied) as fetch:
            shared_records_fetch(actor=kaizhou_clerk, consumer=kaizhou, agreement=agreement,
                                 purpose="administration", code=uscc(1))  # fmt: skip
        assert not ExchangeLogEntry.objects.exists()
        assert not SigningKey.objects.exists()

    assert (lookup.value.message, lookup.value.code) == (message, "DISTRICT_NOT_ACTIVE")
    assert (fetch.value.message, fetch.value.code) == (message, "DISTRICT_NOT_ACTIVE")
