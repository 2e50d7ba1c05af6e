from django.db import models


class RequesterKind(models.TextChoices):
    SELF = "self", "主体本人（或法定代表人）"
    AGENT = "agent", "受托代理人"
    INSTITUTION = "institution", "机构"
    STAFF = "staff", "平台工作人员"
    DEPARTMENT = "department", "政府部门"


class QueryResult(models.TextChoices):
    ISSUED = "issued", "已出具"
    REFUSED = "refused", "拒绝"


class QueryProduct(models.TextChoices):
    CREDIT_REPORT = "credit_report", "公共信用信息报告"
    CREDIT_SCORE = "credit_score", "公共信用综合评价查询"
    CREDIT_CHECK = "credit_check", "信用核查"


class ConsentStatus(models.TextChoices):
    """A natural person's consent lodged over the API waits for the district's check (a reviewer,
    or a verified electronic signature) before it can be used; one taken at the window, where the
    clerk saw the papers, is verified when recorded."""

    PENDING = "pending", "待核验"
    VERIFIED = "verified", "已核验"
    REJECTED = "rejected", "未通过核验"


class ConsentChannel(models.TextChoices):
    WINDOW = "window", "征信窗口登记"
    API = "api", "机构接口提交"


class ConsentRejection(models.TextChoices):
    """Why a consent was not accepted: a fixed list, shown to the institution as is, so that no
    reason says whether the person has records here."""

    UNREADABLE = "unreadable", "授权书不完整或无法辨认"
    IDENTITY = "identity", "授权人身份或签名无法核实"
    SCOPE = "scope", "授权书载明的被授权人、用途或期限与提交内容不一致"
    OTHER = "other", "未通过核验"


class ConsentVerification(models.TextChoices):
    """How a district checks natural persons' consents lodged over the API."""

    REVIEWER = "reviewer", "由本区县审核员人工核验"
    SIGNATURE = "signature", "核验授权书的电子签名（可信证书签发），未通过的转人工核验"
