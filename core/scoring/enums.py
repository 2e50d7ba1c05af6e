from django.db import models


class Grade(models.TextChoices):
    """Grades, best first; the letters sort from best to worst ("A" < "D")."""

    A = "A", "诚信优良"
    B = "B", "基本诚信"
    C = "C", "失信观察"
    D = "D", "严重失信"


class ScorecardStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "现行"
    RETIRED = "retired", "已停用"


# Why a score was computed (SubjectScore.reason), for people.
REASON_LABELS = {
    "batch.ingest": "数据上传",
    "records.store": "录入、更正或推送",
    "record.withdraw": "记录撤回",
    "record.expire": "公示期满",
    "record.repair": "信用修复",
    "record.sector": "行业领域调整",
    "scorecard.publish": "评分模型新版本",
    "nightly": "每日重算",
}
