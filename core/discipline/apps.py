from django.apps import AppConfig


class DisciplineConfig(AppConfig):
    name = "core.discipline"
    label = "discipline"
    verbose_name = "联合奖惩"
    default_auto_field = "django.db.models.BigAutoField"
