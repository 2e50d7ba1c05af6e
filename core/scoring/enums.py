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
