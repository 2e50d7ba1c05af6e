from django.db import models


class StaffRole(models.TextChoices):
    """Roles of district staff. Operator staff (public schema) have no role: they are is_staff."""

    DISTRICT_ADMIN = "district_admin", "区县管理员"
    DATA_CLERK = "data_clerk", "数据录入员"
    REVIEWER = "reviewer", "审核员"
    WINDOW_CLERK = "window_clerk", "征信窗口办事员"
    AUDITOR = "auditor", "审计员（只读）"
