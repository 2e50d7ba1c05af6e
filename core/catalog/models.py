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
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "目录信息项"
        verbose_name_plural = "目录信息项"
        ordering = ("category__number", "code")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
