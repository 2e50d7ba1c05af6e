from __future__ import annotations

from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models
from django.db.models import JSONField
from django.utils import timezone
from django_tenants.models import DomainMixin, TenantMixin

from core.common.placement import public_model
from tenants.enums import DistrictKind, DistrictStatus

# The mixin's own schema-name check (the field adds its length and NUL checks itself).
_MIXIN_SCHEMA_CHECKS = [
    v
    for v in TenantMixin._meta.get_field("schema_name").validators
    if not isinstance(v, MaxLengthValidator | ProhibitNullCharactersValidator)
]


@public_model
class District(TenantMixin):
    """A tenant: one district's platform in its own schema. Also the public (operator) row and the
    template row that new districts are cloned from."""

    # Schemas are created only by the onboarding service, by cloning the template (never on save()).
    auto_create_schema = False
    auto_drop_schema = False

    # TenantMixin's field, redeclared for its Chinese name.
    schema_name = models.CharField(
        "模式名",
        max_length=63,
        unique=True,
        db_index=True,
        validators=_MIXIN_SCHEMA_CHECKS,
    )
    kind = models.CharField("类型", max_length=16, choices=DistrictKind.choices)
    name = models.CharField("区县名称", max_length=60)
    region_code = models.CharField("行政区划代码", max_length=6, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=DistrictStatus.choices, default=DistrictStatus.ACTIVE
    )
    status_reason = models.CharField("状态原因", max_length=300, blank=True)
    status_changed_at = models.DateTimeField("状态变更时间", default=timezone.now)
    status_before_deletion = models.CharField(
        "申请删除前状态", max_length=20, choices=DistrictStatus.choices, blank=True
    )
    purge_after = models.DateTimeField("清除时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    # Set by the restore service when an archive is restored beside its live district (a restore
    # drill, e.g. `wanzhou_drill`): the copy is labelled and kept out of the choices where a real
    # district is meant (exchange partners, prices, contracts).
    restore_drill_on = models.DateField("恢复演练日期", null=True, blank=True)

    class Meta:
        verbose_name = "区县"
        verbose_name_plural = "区县"
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["region_code"],
                condition=models.Q(kind="district") & ~models.Q(status="purged"),
                name="district_region_code_unique_live",
            ),
        ]

    def __str__(self) -> str:
        if self.restore_drill_on is not None:
            return f"{self.name}（恢复演练 {self.restore_drill_on:%Y-%m-%d}）"
        return self.name

    @property
    def is_restore_drill(self) -> bool:
        return self.restore_drill_on is not None

    @property
    def slug(self) -> str:
        return self.schema_name

    @property
    def is_district(self) -> bool:
        return self.kind == DistrictKind.DISTRICT


@public_model
class Domain(DomainMixin):
    """A host name that routes to a district (or to the operator's public schema)."""

    # DomainMixin's fields, redeclared for their Chinese names.
    domain = models.CharField("域名", max_length=253, unique=True, db_index=True)
    tenant = models.ForeignKey(
        "tenants.District", verbose_name="区县", db_index=True, related_name="domains",
        on_delete=models.CASCADE,
    )  # fmt: skip
    # A new domain is not primary unless said so (django-tenants' default is True, which made
    # adding a domain in the operator console demote the district's primary one).
    is_primary = models.BooleanField("主域名", default=False, db_index=True)

    class Meta:
        verbose_name = "域名"
        verbose_name_plural = "域名"

    def __str__(self) -> str:
        return self.domain


@public_model
class SpareSchema(models.Model):
    """A schema cloned from the template ahead of time, waiting to become a district.

    Onboarding renames one (instant) instead of cloning (about 0.2 s); a task refills the pool.
    `fingerprint` names the migration set it was cloned with: a spare from an older set is dropped,
    never used.
    """

    schema_name = models.CharField("模式名", max_length=63, unique=True)
    fingerprint = models.CharField("迁移指纹", max_length=64, db_index=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "备用模式"
        verbose_name_plural = "备用模式"
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return self.schema_name


@public_model
class PlatformAuditEntry(models.Model):
    """One operator-level action (onboarding, lifecycle, domains). Append-only: a trigger refuses
    UPDATE and DELETE on this table."""

    occurred_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor_kind = models.CharField("操作人类型", max_length=16)
    actor_label = models.CharField("操作人", max_length=254)
    actor_user_id = models.BigIntegerField("操作人账号", null=True, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    district_schema = models.CharField("区县模式名", max_length=63, blank=True, db_index=True)
    details = JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "平台审计记录"
        verbose_name_plural = "平台审计记录"
        ordering = ("-occurred_at", "-id")

    def __str__(self) -> str:
        # The page title of an entry (its sentence is tenants/wording.py's, shown on the page).
        return f"平台审计记录（{timezone.localtime(self.occurred_at):%Y-%m-%d %H:%M:%S}）"
