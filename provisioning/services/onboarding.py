"""Onboarding: a ready district (schema, domain, theme, catalogue, first admin) in well under a
second, by cloning the pre-migrated template schema instead of running migrations.

One code path for the management command, the operator GraphQL mutation and the operator console.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.accounts.services import login_link_issue, user_create_staff
from core.catalog.services import catalog_seed_national
from core.common.actors import Actor
from core.common.broker import delay_or_defer
from core.common.divisions import validate_county_code
from core.common.errors import Conflict, ValidationFailed
from core.common.tenancy import use_public_schema
from core.content.models import Article, Theme
from core.content.seeding import credit_documents_seed
from provisioning.services.spares import SPARE_PREFIX, clone_template, schema_rename, spare_take
from provisioning.services.template import advisory_lock, template_ensure, template_schema_name
from tenants.audit import platform_audit_record
from tenants.enums import DistrictKind, DistrictStatus
from tenants.models import District, Domain

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{1,29}$")
DOMAIN_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
RESERVED_SLUGS = frozenset({"public", "information_schema", "operator", "admin", "www", "api"})


@dataclass(frozen=True)
class OnboardingRequest:
    slug: str
    name: str
    platform_name: str
    region_code: str
    domain: str
    admin_email: str
    admin_name: str = ""


@dataclass(frozen=True)
class OnboardingResult:
    district: District
    domain: str
    admin_email: str
    # The one-time login token for the first admin, shown once. None when a retry found the admin
    # already active (they have logged in, so no new link is needed).
    login_token: str | None
    created: bool
    seconds: float
    # True when a pre-cloned spare schema was renamed; False when the template was cloned now.
    from_spare: bool = False


def short_name(district_name: str) -> str:
    """万州区 → 万州, 云阳县 → 云阳: the form used in slogans."""
    return (
        district_name[:-1]
        if district_name.endswith(("区", "县")) and len(district_name) > 2
        else district_name
    )


def normalise_domain(raw: str) -> str:
    return raw.strip().lower().rstrip(".")


def validate_slug(slug: str) -> str:
    if not SLUG_RE.match(slug):
        raise ValidationFailed(
            f"标识“{slug}”不合法：须以小写字母开头，只含小写字母、数字和下划线，长度2–30",
            field="slug",
        )
    if (
        slug in RESERVED_SLUGS
        or slug.startswith(("pg_", SPARE_PREFIX))
        or slug == template_schema_name()
    ):
        raise ValidationFailed(f"标识“{slug}”是保留名称，请换一个", field="slug")
    return slug


def validate_domain(domain: str) -> str:
    if len(domain) > 253 or "." not in domain:
        raise ValidationFailed(
            f"域名“{domain}”不合法：须为完整域名，如 credit.wanzhou.gov.cn 或 wanzhou.localhost",
            field="domain",
        )
    labels = domain.split(".")
    for label in labels:
        if "_" in label:
            raise ValidationFailed(f"域名“{domain}”含下划线，请改用连字符“-”", field="domain")
        if not DOMAIN_LABEL_RE.match(label):
            raise ValidationFailed(
                f"域名“{domain}”的“{label}”部分不合法：只能含字母、数字和连字符，且不以连字符开头或结尾",
                field="domain",
            )
    if labels[-1].isdigit():
        raise ValidationFailed(f"域名“{domain}”看起来是IP地址，请使用域名", field="domain")
    return domain


def validate_request(request: OnboardingRequest) -> OnboardingRequest:
    """Normalise and check every field; raise ValidationFailed naming the first bad one."""
    slug = validate_slug(request.slug.strip())
    name = request.name.strip()
    if not name or len(name) > 60:
        raise ValidationFailed("区县名称不能为空，且不超过60字", field="name")
    platform_name = request.platform_name.strip()
    if not platform_name or len(platform_name) > 60:
        raise ValidationFailed("平台名称不能为空，且不超过60字", field="platform_name")
    region_code = validate_county_code(request.region_code.strip())
    domain = validate_domain(normalise_domain(request.domain))
    email = request.admin_email.strip().lower()
    if not EMAIL_RE.match(email):
        raise ValidationFailed(f"管理员邮箱“{request.admin_email}”格式不正确", field="admin_email")
    return OnboardingRequest(
        slug=slug,
        name=name,
        platform_name=platform_name,
        region_code=region_code,
        domain=domain,
        admin_email=email,
        admin_name=request.admin_name.strip(),
    )


def _retry_result(district: District, req: OnboardingRequest, started: float) -> OnboardingResult:
    """The same request again after success: same district; a fresh link if the admin never logged in."""
    primary = district.domains.filter(is_primary=True).first()
    same = (
        district.kind == DistrictKind.DISTRICT
        and district.status != DistrictStatus.PURGED
        and district.name == req.name
        and district.region_code == req.region_code
        and primary is not None
        and primary.domain == req.domain
    )
    if not same:
        raise Conflict(f"标识“{req.slug}”已被占用", field="slug", code="SLUG_TAKEN")
    with schema_context(district.schema_name):
        admin = User.objects.filter(email=req.admin_email, role=StaffRole.DISTRICT_ADMIN).first()
        if admin is None:
            raise Conflict(f"标识“{req.slug}”已被占用", field="slug", code="SLUG_TAKEN")
        token = login_link_issue(user=admin) if admin.last_login is None else None
    return OnboardingResult(
        district=district,
        domain=req.domain,
        admin_email=req.admin_email,
        login_token=token,
        created=False,
        seconds=time.perf_counter() - started,
    )


def district_onboard(*, request: OnboardingRequest, actor: Actor) -> OnboardingResult:
    """Create a ready district. Idempotent: the same request again returns the same district."""
    started = time.perf_counter()
    req = validate_request(request)
    use_public_schema()
    template_ensure()
    with advisory_lock("onboarding"):
        existing = District.objects.filter(schema_name__iexact=req.slug).first()
        if existing is not None:
            return _retry_result(existing, req, started)
        if Domain.objects.filter(domain=req.domain).exists():
            raise Conflict(
                f"域名“{req.domain}”已被其他平台使用", field="domain", code="DOMAIN_TAKEN"
            )
        if (
            District.objects.filter(kind=DistrictKind.DISTRICT, region_code=req.region_code)
            .exclude(status=DistrictStatus.PURGED)
            .exists()
        ):
            raise Conflict(
                f"行政区划代码“{req.region_code}”已有平台", field="region_code", code="REGION_TAKEN"
            )
        if schema_exists(req.slug, case_sensitive=False):
            raise Conflict(f"数据库中已存在名为“{req.slug}”的模式", field="slug", code="SLUG_TAKEN")
        with transaction.atomic():
            district = District.objects.create(
                schema_name=req.slug,
                kind=DistrictKind.DISTRICT,
                name=req.name,
                region_code=req.region_code,
            )
            Domain.objects.create(domain=req.domain, tenant=district, is_primary=True)
            spare = spare_take()
            if spare is not None:
                schema_rename(spare, req.slug)
            else:
                clone_template(req.slug)
            with schema_context(req.slug):
                Theme.objects.create(
                    platform_name=req.platform_name,
                    district_name=req.name,
                    region_code=req.region_code,
                    banner_text=f"诚信{short_name(req.name)}，共建共享",
                    # 主办单位 / 承办单位 are left for the district to fill in (console theme page).
                    footer_text=f"{req.platform_name}（{req.name}公共信用信息平台）",
                )
                catalog_seed_national()
                credit_documents_seed(article_model=Article, today=timezone.localdate())
                admin = user_create_staff(
                    email=req.admin_email, full_name=req.admin_name, role=StaffRole.DISTRICT_ADMIN
                )
                token = login_link_issue(user=admin)
            platform_audit_record(
                actor=actor,
                action="district.onboard",
                district_schema=req.slug,
                details={
                    "name": req.name,
                    "platform_name": req.platform_name,
                    "region_code": req.region_code,
                    "domain": req.domain,
                    "admin_email": req.admin_email,
                    "from_spare": spare is not None,
                },
            )
            transaction.on_commit(_refill_spares)
    use_public_schema()
    return OnboardingResult(
        district=district,
        domain=req.domain,
        admin_email=req.admin_email,
        login_token=token,
        created=True,
        seconds=time.perf_counter() - started,
        from_spare=spare is not None,
    )


def _refill_spares() -> None:
    if settings.DISTRICT_SPARE_SCHEMAS > 0:
        from provisioning.tasks import spare_pool_fill_task  # tasks import services: import late

        # Not queued now (broker down): the beat's spare_pool_fill_task refills the pool.
        delay_or_defer(spare_pool_fill_task, deferred="the spare pool waits for the beat's refill")
