from django.db import models


class RequesterKind(models.TextChoices):
    SELF = "self", "主体本人（或法定代表人）"
    AGENT = "agent", "受托代理人"
    INSTITUTION = "institution", "机构"
    STAFF = "staff", "平台工作人员"


class QueryResult(models.TextChoices):
    ISSUED = "issued", "已出具"
    REFUSED = "refused", "拒绝"


class Product(models.TextChoices):
    CREDIT_REPORT = "credit_report", "公共信用信息报告"
    CREDIT_SCORE = "credit_score", "公共信用综合评价查询"
