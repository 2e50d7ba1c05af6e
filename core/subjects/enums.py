from django.db import models


class SubjectKind(models.TextChoices):
    """行政相对人类别 (the 双公示 code table)."""

    LEGAL = "legal", "法人及非法人组织"
    INDIVIDUAL = "individual", "个体工商户"
    NATURAL = "natural", "自然人"


class AliasKind(models.TextChoices):
    """Legacy identifiers kept as aliases of a subject."""

    BUSINESS_REGISTRATION = "gszc", "工商注册号"
    ORGANISATION_CODE = "zzjg", "组织机构代码"
    TAX_REGISTRATION = "swdj", "税务登记号"
    PUBLIC_INSTITUTION = "sydw", "事业单位证书号"
    SOCIAL_ORGANISATION = "shzz", "社会组织登记证号"
