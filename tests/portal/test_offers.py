"""信用增值服务 on a district's portal: the products it sells at today's prices, how institutions
buy them, and a plain sentence when it sells nothing yet."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from billing.enums import PricingModel
from billing.services.catalogue import price_set
from core.common.actors import Actor
from core.content.models import Theme
from tenants.models import District
from tests.conftest import client_for

OPS = Actor.system("tests")


def test_a_district_that_sells_nothing_says_so(wanzhou: District) -> None:
    response = client_for("wanzhou.localhost").get("/services/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>信用增值服务</h1>" in body
    assert "万州区目前尚未销售信用增值服务，暂无可购买的产品。" in body
    assert "<table" not in body
    assert "<h2>如何申请</h2>" in body


def test_products_are_listed_with_todays_prices(wanzhou: District, kaizhou: District) -> None:
    today = timezone.localdate()
    since = today - timedelta(days=30)
    price_set(actor=OPS, district=wanzhou, product="basic_report", model=PricingModel.PER_UNIT,
              valid_from=since, unit_price="10")  # fmt: skip
    price_set(actor=OPS, district=wanzhou, product="basic_report", model=PricingModel.PER_UNIT,
              valid_from=today + timedelta(days=1), unit_price="12")  # fmt: skip
    price_set(actor=OPS, district=wanzhou, product="score_query", model=PricingModel.TIERED,
              valid_from=today, tiers=[{"up_to": 1000, "unit_price": "8"},
                                       {"up_to": None, "unit_price": "6"}])  # fmt: skip
    price_set(actor=OPS, district=wanzhou, product="batch_query", model=PricingModel.PACKAGE,
              valid_from=since, package_units=500, package_price="3000")  # fmt: skip
    price_set(actor=OPS, district=kaizhou, product="monitoring", model=PricingModel.PER_UNIT,
              valid_from=since, unit_price="5")  # fmt: skip

    body = client_for("wanzhou.localhost").get("/services/").content.decode()

    def day(d: date) -> str:
        return f"{d.year}年{d.month}月{d.day}日起"

    assert (
        "<tr><td>基础版信用报告</td><td>主体公开的公共信用信息：登记信息、行政许可、行政处罚、"
        "红黑名单等，按国家报告结构出具，含验证码，可在线核验。</td>"
        f"<td>10.00元/份</td><td>{day(since)}</td></tr>"
    ) in body
    assert (
        f"<td>第1–1000次 8.00元/次；第1001次起 6.00元/次（按自然月累计）</td><td>{day(today)}</td>"
    ) in body
    assert f"<td>500户套餐 3000.00元</td><td>{day(since)}</td>" in body
    assert body.count("<tr><td>") == 3
    assert "12.00元" not in body  # tomorrow's price is not today's
    assert "信用监测订阅" not in body  # 开州's product
    assert "尚未销售" not in body


def test_the_page_explains_how_institutions_apply_in_business_terms(wanzhou: District) -> None:
    body = client_for("wanzhou.localhost").get("/services/").content.decode()

    for text in (
        "<h2>如何申请</h2>",
        "机构联系平台运营方，说明需要的产品、预计用量和使用用途。",
        "按月结算的，合同约定每月的次数或金额上限，达到上限后当月暂停服务",
        "预付费的，先充值或购买套餐，每次使用从余额或套餐中扣减",
        "运营方每月初按上月用量出具账单",
        "必须事先取得信用主体本人的书面授权，并写明查询用途",
        "系统对接的技术说明（接口、计费与发票）由运营方在签约后提供给机构的技术人员。",
        "<p>有意购买的机构请联系平台运营方。</p>",
    ):
        assert text in body
    for technical in ("GraphQL", "consentLodge", "idempotencyKey", "reportPurchase", "ck_",
                      "localhost", "/graphql/", "Authorization"):  # fmt: skip
        assert technical not in body


def test_the_districts_contact_is_shown(wanzhou: District) -> None:
    with schema_context("wanzhou"):
        Theme.objects.update(contact_phone="023-58888888", contact_email="credit@wanzhou.example")

    body = client_for("wanzhou.localhost").get("/services/").content.decode()

    assert "<p>有意购买的机构请联系信用万州：</p>" in body
    assert (
        '<ul><li>电话：023-58888888</li><li>邮箱：<a href="mailto:credit@wanzhou.example">'
        "credit@wanzhou.example</a></li></ul>"
    ) in body


def test_the_portal_home_links_to_the_page(wanzhou: District) -> None:
    body = client_for("wanzhou.localhost").get("/").content.decode()

    assert "<h2>信用增值服务</h2>" in body
    assert '<a href="/services/">产品、价格与购买方式</a>' in body
