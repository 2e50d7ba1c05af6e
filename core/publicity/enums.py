from django.db import models


class Severity(models.TextChoices):
    MINOR = "minor", "轻微"
    ORDINARY = "ordinary", "一般"
    SERIOUS = "serious", "严重"


class Sector(models.TextChoices):
    """Fields with a longer minimum period under the 2023 rules."""

    GENERAL = "", "一般领域"
    FOOD = "food", "食品"
    DRUG = "drug", "药品"
    SPECIAL_EQUIPMENT = "special_equipment", "特种设备"
    WORK_SAFETY = "work_safety", "安全生产"
    FIRE = "fire", "消防"
