"""The developers' sandbox: one generated district that institutions' `ck_test_` keys call.

It is a tenant of its own kind (`DistrictKind.SANDBOX`), cloned from the template like a district,
filled with generated companies and records (the demo generator under a division code no real
district uses, 500199), and priced at zero for every product. It never appears where a district is
meant (lists, exchange partners, prices, contracts), serves only the API and GraphiQL on its own
domain (tenants/middleware.py), and refuses live keys while live districts refuse test keys
(billing/services/keys.py). Idempotent: running it again changes nothing but a missing domain.
"""

from __future__ import annotations

from django.db import transaction
from django_tenants.utils import schema_context, schema_exists

from billing.services.sandbox import SANDBOX_SCHEMA, sandbox_prices_ensure
from core.catalog.services import catalog_seed_national
from core.common.actors import Actor
from core.common.errors import Conflict
from core.common.tenancy import use_public_schema
from core.content.models import Theme
from provisioning.demo import demo_records_ensure
from provisioning.services.onboarding import validate_domain
from provisioning.services.spares import clone_template
from provisioning.services.template import advisory_lock, template_ensure
from tenants.audit import platform_audit_record
from tenants.enums import DistrictKind
from tenants.models import District, Domain

SANDBOX_NAME = "开发者沙箱"
# A division code no district has: the generated companies' codes never match a real one.
SANDBOX_REGION = "500199"


def sandbox_ensure(*, domain: str, actor: Actor) -> District:
    """The sandbox district, created on first call with its generated records; `domain` is added
    as its primary domain when it has none (a second domain is refused: one sandbox address)."""
    domain = validate_domain(domain)
    use_public_schema()
    template_ensure()
    with advisory_lock("onboarding"):
        sandbox = District.objects.filter(kind=DistrictKind.SANDBOX).first()
        taken = Domain.objects.filter(domain=domain).exclude(tenant=sandbox).exists()
        if taken:
            raise Conflict(f"域名“{domain}”已被其他平台使用", field="domain", code="DOMAIN_TAKEN")
        if sandbox is None:
            sandbox = _create(domain, actor)
        elif not sandbox.domains.filter(domain=domain).exists():
            current = sandbox.domains.filter(is_primary=True).first()
            raise Conflict(
                f"沙箱已使用域名“{current}”；如需更换，请先在区县管理中修改其域名",
                field="domain", code="SANDBOX_EXISTS",
            )  # fmt: skip
    with schema_context(sandbox.schema_name):
        demo_records_ensure(district_name="沙箱区", region=SANDBOX_REGION)
    use_public_schema()
    sandbox_prices_ensure(sandbox)
    return sandbox


def _create(domain: str, actor: Actor) -> District:
    if schema_exists(SANDBOX_SCHEMA):
        raise Conflict(f"数据库中已存在名为“{SANDBOX_SCHEMA}”的模式", code="SLUG_TAKEN")
    with transaction.atomic():
        sandbox = District.objects.create(
            schema_name=SANDBOX_SCHEMA, kind=DistrictKind.SANDBOX, name=SANDBOX_NAME
        )
        Domain.objects.create(domain=domain, tenant=sandbox, is_primary=True)
        clone_template(SANDBOX_SCHEMA)
        with schema_context(SANDBOX_SCHEMA):
            Theme.objects.create(
                platform_name="信用沙箱",
                district_name="沙箱区",
                region_code=SANDBOX_REGION,
                banner_text="开发者沙箱：数据均为生成的测试数据",
                footer_text="开发者沙箱（测试数据，不计费）",
            )
            catalog_seed_national()
        platform_audit_record(
            actor=actor, action="district.sandbox_create", district_schema=SANDBOX_SCHEMA,
            details={"domain": domain},
        )  # fmt: skip
    return sandbox
