from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "core.common"
    label = "common"
    verbose_name = "公共基础"

    def ready(self) -> None:
        from core.common import checks  # noqa: F401  (registers system checks)
