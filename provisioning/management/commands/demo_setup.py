"""`manage.py demo_setup`: the operator account and three demo districts (idempotent)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from billing.demo import demo_bank_ensure, demo_prices_ensure
from core.accounts.models import User
from core.common.actors import Actor
from core.common.tenancy import use_public_schema
from provisioning.demo import demo_agreement_ensure, demo_matters_ensure, demo_records_ensure
from provisioning.services.onboarding import OnboardingRequest, district_onboard
from provisioning.services.operator import operator_ensure
from provisioning.services.sandbox import sandbox_ensure
from provisioning.services.template import template_ensure
from tenants.links import district_url, first_login_path
from tenants.models import District

DEMO_DISTRICTS = (
    OnboardingRequest(
        "wanzhou",
        "万州区",
        "信用万州",
        "500101",
        "wanzhou.localhost",
        "admin@wanzhou.localhost",
        "万州管理员",
    ),
    OnboardingRequest(
        "kaizhou",
        "开州区",
        "信用开州",
        "500154",
        "kaizhou.localhost",
        "admin@kaizhou.localhost",
        "开州管理员",
    ),
    OnboardingRequest(
        "yunyang",
        "云阳县",
        "信用云阳",
        "500235",
        "yunyang.localhost",
        "admin@yunyang.localhost",
        "云阳管理员",
    ),
)
OPERATOR_EMAIL = "operator@localhost"
SANDBOX_DOMAIN = "sandbox.localhost"


def demo_operator_password() -> str:
    """A random password made on first run and kept under .data (demo machines only)."""
    path = Path(settings.DATA_DIR) / "demo-operator-password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(12))
    return path.read_text().strip()


class Command(BaseCommand):
    help = "Create the operator account and the three demo districts, and print how to open them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default="8000")

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"]
        operator_ensure(domains=settings.OPERATOR_DOMAINS)
        template_ensure(verbosity=0)
        password = demo_operator_password()
        operator = User.objects.filter(email=OPERATOR_EMAIL).first()
        if operator is None:
            User.objects.create_superuser(OPERATOR_EMAIL, password, full_name="运营方管理员")
        elif not operator.check_password(password):
            operator.set_password(password)  # the printed password must be the one that works
            operator.save(update_fields=["password"])
        self.stdout.write(
            "运营管理后台：" + district_url(domain="localhost", path="/admin/", port=port)
        )
        self.stdout.write(f"  账号 {OPERATOR_EMAIL}  密码 {password}")
        bank_key = None
        for request in DEMO_DISTRICTS:
            result = district_onboard(request=request, actor=Actor.system("demo"))
            with schema_context(request.slug):
                records = demo_records_ensure(
                    district_name=request.name, region=request.region_code
                )
                demo_matters_ensure(district_name=request.name, region=request.region_code)
            use_public_schema()
            district = District.objects.get(schema_name=request.slug)
            demo_prices_ensure(district)
            if request.slug == "wanzhou":
                bank_key = demo_bank_ensure(district)
            self.stdout.write(
                f"{request.platform_name}："
                + district_url(domain=request.domain, path="/", port=port)
                + f"（示例记录{records}条）"
            )
            if result.login_token:
                link = district_url(
                    domain=request.domain, path=first_login_path(result.login_token), port=port
                )
                self.stdout.write(f"  管理员 {request.admin_email} 首次登录（设置密码）：{link}")
            else:
                self.stdout.write(
                    f"  管理员 {request.admin_email} 已设置密码，请在 /console/login/ 登录"
                )
        use_public_schema()
        agreement = demo_agreement_ensure(
            consumer=District.objects.get(schema_name="kaizhou"),
            provider=District.objects.get(schema_name="wanzhou"),
        )
        self.stdout.write(
            f"示例共享协议 #{agreement.pk}：开州区向万州区查询行政许可、行政处罚信息（已接受），"
            "在开州的 /console/exchange/lookup/ 试用"
        )
        sandbox_ensure(domain=SANDBOX_DOMAIN, actor=Actor.system("demo"))
        self.stdout.write(
            "开发者沙箱（生成的测试数据，不计费）："
            + district_url(domain=SANDBOX_DOMAIN, path="/", port=port)
        )
        use_public_schema()
        if bank_key:
            self.stdout.write(f"示例银行（信用万州增值服务）接口密钥，仅显示一次：{bank_key}")
