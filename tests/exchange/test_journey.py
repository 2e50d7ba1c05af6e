"""The issue's journey over real HTTP between two districts: the consumer's admin proposes an
agreement for penalties without the fine, the provider's admin accepts it, a clerk of the consumer
looks a provider's company up in the console and sees its penalties marked with the provider's
platform name and without fines, both exchange logs show the call (same request id, same answer
hash), and after the provider revokes, the next lookup is refused, and so is any call the
consumer's server still makes.

The baseline 万州区 and 开州区 are committed once per run and shared by every test; a live server
needs the journey's own data committed too (keys, agreement, append-only logs), which would then
leak into every later test. So the journey runs between two districts onboarded (committed) for it
and purged afterwards: 忠县 provides (in the issue's words, 万州区) and 垫江县 consumes (开州区). The
service tests (deny by default, scope, logs) run between 万州区 and 开州区 themselves."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.catalog.models import CatalogItem, CatalogSupply, Department
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from exchange.district.models import ExchangeLogEntry
from exchange.models import Agreement, DistrictPublicKey
from exchange.selectors import exchange_log_verify
from exchange.services.consuming import request_body, request_token
from exchange.transport import exchange_post
from provisioning.services.onboarding import OnboardingRequest
from tenants.models import District
from tests.conftest import make_staff
from tests.core.collection.files import as_csv, penalty, uscc
from tests.e2e.conftest import committed_districts, server_port  # noqa: F401  (fixture)
from tests.exchange.conftest import FINE, PENALTY_WITHOUT_FINE

PROVIDER = OnboardingRequest("zhongxian", "忠县", "信用忠县", "500233", "zhongxian.localhost",
                             "admin@zhongxian.test", "忠县管理员")  # fmt: skip
CONSUMER = OnboardingRequest("dianjiang", "垫江县", "信用垫江", "500231", "dianjiang.localhost",
                             "admin@dianjiang.test", "垫江管理员")  # fmt: skip
DEPARTMENT = uscc(7654321, head="11500233")
COMPANY = uscc(31, head="91500233")
OTHER = uscc(32, head="91500233")


@pytest.fixture
def two_districts(
    django_db_setup: None, django_db_blocker: Any, tmp_path: Path, server_port: int,  # noqa: F811
    settings: Any,
) -> Iterator[dict[str, Any]]:  # fmt: skip
    """Provider and consumer onboarded and committed, the provider's penalties stored, the
    exchange pointed at the live server."""
    settings.EXCHANGE_PROVIDER_URL = "http://{domain}/exchange/graphql/"
    settings.EXCHANGE_CONNECT_ADDRESS = f"127.0.0.1:{server_port}"
    with committed_districts(django_db_blocker, str(tmp_path), "Admin-Pass-2026", PROVIDER,
                             CONSUMER) as admins:  # fmt: skip
        try:
            decided = timezone.localdate() - timedelta(days=10)
            with schema_context(PROVIDER.slug):
                department = Department.objects.create(code=DEPARTMENT, name="忠县市场监督管理局")
                CatalogSupply.objects.create(
                    item=CatalogItem.objects.get(code="N03-02"), department=department
                )
                rows = [
                    penalty(1, XDR_MC="忠县甲建设有限公司", XDR_SHXYM=COMPANY, WSH="忠市监罚〔2026〕1号",
                            CFJGDM=DEPARTMENT, SJLYDM=DEPARTMENT, NR_FK="0.2",
                            JDRQ=decided.isoformat(), YXQ=(decided + timedelta(days=365)).isoformat()),
                    penalty(2, XDR_MC="忠县甲建设有限公司", XDR_SHXYM=COMPANY, WSH="忠市监罚〔2026〕2号",
                            CFJGDM=DEPARTMENT, SJLYDM=DEPARTMENT, NR_FK="1.5", CFLB="罚款",
                            JDRQ=decided.isoformat(), YXQ=(decided + timedelta(days=365)).isoformat()),
                    penalty(3, XDR_MC="忠县乙商贸有限公司", XDR_SHXYM=OTHER, WSH="忠市监罚〔2026〕3号",
                            CFJGDM=DEPARTMENT, SJLYDM=DEPARTMENT,
                            JDRQ=decided.isoformat(), YXQ=(decided + timedelta(days=365)).isoformat()),
                ]  # fmt: skip
                content = as_csv(rows)
                batch = batch_create(actor=Actor.system("tests"), department=department,
                                     filename="处罚.csv", content=io.BytesIO(content),
                                     size=len(content))  # fmt: skip
                assert batch_ingest(batch_id=batch.pk).stored == 3
            clerk = make_staff(CONSUMER.slug, "clerk@dianjiang.test", StaffRole.WINDOW_CLERK)
            yield {"admins": admins, "clerk": clerk, "port": server_port}
        finally:
            districts = District.objects.filter(schema_name__in=[PROVIDER.slug, CONSUMER.slug])
            Agreement.objects.filter(provider__in=districts).delete()
            DistrictPublicKey.objects.filter(district__in=districts).delete()


def _console(request: OnboardingRequest, user: Any) -> Client:
    client = Client(HTTP_HOST=request.domain)
    with schema_context(request.slug):  # the session and last_login live in the district
        client.force_login(user)
    return client


def _log(schema: str) -> list[ExchangeLogEntry]:
    with schema_context(schema):
        return list(ExchangeLogEntry.objects.order_by("seq"))


def test_the_issue_journey(two_districts: dict[str, Any]) -> None:
    admins, clerk = two_districts["admins"], two_districts["clerk"]
    provider = District.objects.get(schema_name=PROVIDER.slug)
    today = timezone.localdate()

    # The consumer's admin proposes: penalties, every field but the fine, for 行政管理.
    consumer_admin = _console(CONSUMER, admins[CONSUMER.slug])
    form = consumer_admin.get(f"/console/exchange/?provider={provider.pk}")
    assert "N03-02 行政处罚信息" in form.content.decode()
    proposed = consumer_admin.post(f"/console/exchange/?provider={provider.pk}", {
        "legal_basis": "《重庆市社会信用条例》第二十六条", "purposes": ["administration"],
        "valid_from": today.isoformat(), "valid_until": (today + timedelta(days=365)).isoformat(),
        "scope_N03-02": PENALTY_WITHOUT_FINE, "propose": "1",
    })  # fmt: skip
    assert proposed.status_code == 302
    agreement = Agreement.objects.get(provider=provider)
    assert proposed["Location"] == f"/console/exchange/agreements/{agreement.pk}/"
    assert agreement.items.get().fields == PENALTY_WITHOUT_FINE

    # The provider's admin accepts it.
    provider_admin = _console(PROVIDER, admins[PROVIDER.slug])
    assert "待对方确认" in provider_admin.get(proposed["Location"]).content.decode()
    accepted = provider_admin.post(proposed["Location"], {"accept": "1"})
    assert accepted.status_code == 302
    assert "生效中" in provider_admin.get(proposed["Location"]).content.decode()

    # A clerk of the consumer looks the company up and sees its penalties, marked, without fines.
    lookup = _console(CONSUMER, clerk)
    page = lookup.post("/console/exchange/lookup/", {"code": COMPANY, "purpose": "administration"})
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="shared-record"') == 2
    assert "来源：信用忠县（共享协议" in html
    assert html.count("来源：信用忠县</span>") == 2
    assert "忠市监罚〔2026〕1号" in html
    assert "忠市监罚〔2026〕2号" in html
    assert "忠市监罚〔2026〕3号" not in html  # another company's
    assert "罚款金额" not in html
    assert "1.5" not in html
    assert "本平台查询期内无相关信息" in html

    # Both logs show the call: same request, same answer hash, same records.
    [asked] = _log(CONSUMER.slug)
    [served] = _log(PROVIDER.slug)
    assert (asked.side, asked.outcome, served.side, served.outcome) == (
        "consumer",
        "served",
        "provider",
        "served",
    )
    assert asked.request_id == served.request_id
    assert asked.response_hash == served.response_hash
    assert sorted(asked.record_ids) == sorted(served.record_ids)
    assert len(served.record_ids) == 2
    assert (served.counterpart, served.staff, served.purpose, served.subject_code) == (
        CONSUMER.slug,
        "clerk@dianjiang.test",
        "administration",
        COMPANY,
    )
    assert "已提供" in provider_admin.get("/console/exchange/log/").content.decode()
    home = consumer_admin.get("/console/exchange/").content.decode()
    assert f"/console/exchange/agreements/{agreement.pk}/" in home

    # The provider revokes; the consumer's next lookup is refused.
    revoked = provider_admin.post(
        proposed["Location"], {"revoke": "1", "reason": "协议期内暂停共享"}
    )
    assert revoked.status_code == 302
    html = lookup.post(
        "/console/exchange/lookup/", {"code": COMPANY, "purpose": "administration"}
    ).content.decode()
    assert 'data-testid="shared-record"' not in html
    assert "撤销，未发出请求" in html
    assert "AGREEMENT_REVOKED" not in html  # the code is for the logs, not the page
    assert [e.outcome for e in _log(CONSUMER.slug)] == ["served", "refused"]

    # A call the consumer's server still makes under the revoked agreement is refused by the
    # provider itself, over HTTP, signed and logged.
    agreement.refresh_from_db()
    with schema_context(CONSUMER.slug):
        body = request_body(agreement, COMPANY)
        consumer = District.objects.get(schema_name=CONSUMER.slug)
        token = request_token(actor=clerk, consumer=consumer, agreement=agreement,
                              purpose="administration", nonce="f" * 32, body=body)  # fmt: skip
    answer = exchange_post(domain=PROVIDER.domain, token=token, body=body, provider_name="忠县")
    assert answer.status == 403
    assert json.loads(answer.body)["errors"][0]["extensions"]["code"] == "AGREEMENT_REVOKED"
    assert [(e.outcome, e.reason_code) for e in _log(PROVIDER.slug)] == [
        ("served", ""),
        ("refused", "AGREEMENT_REVOKED"),
    ]
    for schema in (PROVIDER.slug, CONSUMER.slug):
        with schema_context(schema):
            assert exchange_log_verify().intact
    assert FINE not in json.dumps([e.record_ids for e in _log(PROVIDER.slug)])
