from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "core.stats"
    label = "stats"
    verbose_name = "分类统计"
