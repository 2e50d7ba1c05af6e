from django.db import models


class CatalogSource(models.TextChoices):
    NATIONAL = "national", "全国基础目录"
    DISTRICT = "district", "本地补充目录"


class Disclosure(models.TextChoices):
    """How an item may be disclosed (公开属性)."""

    PUBLIC = "public", "社会公开"
    AUTHORISED = "authorised", "授权查询"
    GOVERNMENT = "government", "政务共享"


class SubjectScope(models.TextChoices):
    LEGAL = "legal", "法人和非法人组织"
    NATURAL = "natural", "自然人"
    ALL = "all", "各类主体"
