from __future__ import annotations

from django.db import models

from core.catalog.enums import CatalogSource, Disclosure, SubjectScope
from core.common.placement import district_model


@district_model
class CatalogVersion(models.Model):
    """One published edition of the catalogue (the national base edition or a local supplement)."""

    code = models.CharField("版本代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=200)
    source = models.CharField("来源", max_length=16, choices=CatalogSource.choices)
    effective_from = models.DateField("施行日期")
    basis = models.CharField("依据", max_length=300, blank=True)

    class Meta:
        verbose_name = "目录版本"
        verbose_name_plural = "目录版本"
        ordering = ("effective_from", "code")

    def __str__(self) -> str:
        return self.name


@district_model
class CatalogCategory(models.Model):
    """One of the catalogue's kinds of public credit information (the national edition has 11)."""

    version = models.ForeignKey(CatalogVersion, on_delete=models.PROTECT, related_name="categories")
    number = models.PositiveSmallIntegerField("序号")
    name = models.CharField("类别名称", max_length=200)

    class Meta:
        verbose_name = "目录类别"
        verbose_name_plural = "目录类别"
        ordering = ("version", "number")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "number"], name="catalog_category_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


@district_model
class CatalogItem(models.Model):
    """One item of information in the catalogue; records point at an item."""

    category = models.ForeignKey(CatalogCategory, on_delete=models.PROTECT, related_name="items")
    code = models.CharField("信息项编码", max_length=40, unique=True)
    name = models.CharField("信息项名称", max_length=200)
    description = models.TextField("说明", blank=True)
    disclosure = models.CharField("公开属性", max_length=16, choices=Disclosure.choices)
    subject_scope = models.CharField(
        "适用主体", max_length=16, choices=SubjectScope.choices, default=SubjectScope.ALL
    )
    source = models.CharField(
        "来源", max_length=16, choices=CatalogSource.choices, default=CatalogSource.NATIONAL
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "目录信息项"
        verbose_name_plural = "目录信息项"
        ordering = ("category__number", "code")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@district_model
class Department(models.Model):
    """A government department that supplies credit information (数据来源单位)."""

    code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=100)
    is_active = models.BooleanField("启用", default=True)
    # An upstream platform (信用重庆, 信用中国) whose files are imported under it: its rows name
    # the bodies that supplied them upstream, not this department (docs/subsystems/upstream.md).
    is_upstream = models.BooleanField("上级平台（回流数据来源）", default=False)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


@district_model
class CatalogSupply(models.Model):
    """Which department supplies which catalogue item, and within how many working days."""

    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="supplies")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="supplies")
    deadline_working_days = models.PositiveSmallIntegerField("报送时限（工作日）", default=7)

    class Meta:
        verbose_name = "目录报送责任"
        verbose_name_plural = "目录报送责任"
        constraints = [
            models.UniqueConstraint(fields=["item", "department"], name="catalog_supply_unique")
        ]

    def __str__(self) -> str:
        return f"{self.department} → {self.item}"


@district_model
class StaffAssignment(models.Model):
    """The department a district staff member works for (data clerks enter only for their own)."""

    user = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, related_name="assignment"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="staff")

    class Meta:
        verbose_name = "职员所属部门"
        verbose_name_plural = "职员所属部门"

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.department}"
